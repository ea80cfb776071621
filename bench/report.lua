-- wrk reporter: one JSON line with throughput and latency percentiles (microseconds), read by bench/run.py.
-- With BENCH_FIRST_VISIT set, every request's URL gets a parameter of its own (`bench_visit=<start>-<n>`, which no
-- view reads), so no request is answered from a cache keyed on the URL: each one is a first visit.
local first_visit = os.getenv("BENCH_FIRST_VISIT")
local start = tostring(os.time()) .. tostring(math.random(1000000))
local counter = 0

if first_visit then
  request = function()
    counter = counter + 1
    local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. sep .. "bench_visit=" .. start .. "-" .. counter)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
