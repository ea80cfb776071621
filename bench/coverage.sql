-- The coverage numbers of taxonomy/coverage.py (per-fault rows and the summary), as one hand-written
-- PostgreSQL statement: the baseline the engine's uncached computation is compared with (bench/run.py).
-- Same rule as the engine: live approved mappings; a leaf is addressed with >= 1 explicit mapping, partial with
-- only partial ones; subtree figures roll up through the fault tree (a recursive closure).
WITH RECURSIVE
closure (ancestor_id, fault_id) AS (
    SELECT id, id FROM taxonomy_fault
    UNION ALL
    SELECT c.ancestor_id, f.id FROM closure c JOIN taxonomy_fault f ON f.parent_id = c.fault_id
),
m AS (
    SELECT fault_id, paper_id, strength FROM papers_faultmapping WHERE status = 'approved'
),
direct AS (
    SELECT fault_id,
           count(*) FILTER (WHERE strength = 'explicit') AS explicit,
           count(*) FILTER (WHERE strength = 'partial') AS partial,
           count(DISTINCT paper_id) AS papers
    FROM m GROUP BY fault_id
),
art AS (
    SELECT fault_id, source, count(*) AS n FROM challenges_artifact GROUP BY fault_id, source
),
men AS (
    SELECT fault_id, count(*) AS n FROM challenges_interviewmention GROUP BY fault_id
),
node AS (
    SELECT f.id, f.code, f.kind, f.position,
           coalesce(d.explicit, 0) AS explicit, coalesce(d.partial, 0) AS partial, coalesce(d.papers, 0) AS papers,
           CASE WHEN f.kind = 'leaf' THEN
               CASE WHEN d.explicit > 0 THEN 'addressed' WHEN d.partial > 0 THEN 'partial' ELSE 'unaddressed' END
           END AS status,
           coalesce(gh.n, 0) AS github, coalesce(so.n, 0) AS stackoverflow, coalesce(men.n, 0) AS interviews
    FROM taxonomy_fault f
    LEFT JOIN direct d ON d.fault_id = f.id
    LEFT JOIN art gh ON gh.fault_id = f.id AND gh.source = 'github'
    LEFT JOIN art so ON so.fault_id = f.id AND so.source = 'stackoverflow'
    LEFT JOIN men ON men.fault_id = f.id
),
subtree AS (
    SELECT c.ancestor_id AS id,
           count(*) FILTER (WHERE n.kind = 'leaf') AS leaves,
           count(*) FILTER (WHERE n.status = 'addressed') AS leaves_addressed,
           count(*) FILTER (WHERE n.status = 'partial') AS leaves_partial,
           count(*) FILTER (WHERE n.status = 'unaddressed') AS leaves_unaddressed,
           coalesce(sum(n.explicit + n.partial) FILTER (WHERE n.kind = 'category'), 0) AS category_mappings,
           sum(n.github) AS github, sum(n.stackoverflow) AS stackoverflow, sum(n.interviews) AS interviews
    FROM closure c JOIN node n ON n.id = c.fault_id
    GROUP BY c.ancestor_id
),
subtree_papers AS (
    SELECT ancestor_id AS id, count(*) AS papers
    FROM (SELECT DISTINCT c.ancestor_id, m.paper_id FROM closure c JOIN m ON m.fault_id = c.fault_id) pairs
    GROUP BY ancestor_id
),
methods AS (
    SELECT mp.fault_id, array_agg(DISTINCT me.code ORDER BY me.code) AS codes
    FROM papers_faultmapping mp
    JOIN papers_faultmapping_methods t ON t.faultmapping_id = mp.id
    JOIN taxonomy_method me ON me.id = t.method_id
    WHERE mp.status = 'approved'
    GROUP BY mp.fault_id
),
challenges AS (
    SELECT fault_id, count(*) AS n FROM challenges_challengefault GROUP BY fault_id
),
practice AS (
    SELECT src,
           sum(n) FILTER (WHERE kind = 'leaf') AS classified,
           sum(n) FILTER (WHERE kind = 'category') AS on_category,
           sum(n) FILTER (WHERE status = 'addressed') AS addressed,
           sum(n) FILTER (WHERE status = 'partial') AS partial,
           sum(n) FILTER (WHERE status = 'unaddressed') AS unaddressed
    FROM (
        SELECT 'github' AS src, kind, status, github AS n FROM node
        UNION ALL SELECT 'stackoverflow', kind, status, stackoverflow FROM node
        UNION ALL SELECT 'interviews', kind, status, interviews FROM node
    ) per_source
    GROUP BY src
),
unclassified AS (
    SELECT source AS src, n FROM art WHERE fault_id IS NULL
    UNION ALL SELECT 'interviews', n FROM men WHERE fault_id IS NULL
)
SELECT json_build_object(
    'rows', (
        SELECT json_agg(json_build_object(
            'code', n.code, 'status', n.status, 'explicit', n.explicit, 'partial', n.partial,
            'papers', n.papers, 'papers_subtree', coalesce(sp.papers, 0),
            'category_mappings_subtree', s.category_mappings,
            'evidence', json_build_array(n.github, n.stackoverflow, n.interviews),
            'evidence_subtree', json_build_array(s.github, s.stackoverflow, s.interviews),
            'leaves', s.leaves, 'leaves_addressed', s.leaves_addressed, 'leaves_partial', s.leaves_partial,
            'leaves_unaddressed', s.leaves_unaddressed, 'challenges', coalesce(ch.n, 0),
            'methods', coalesce(me.codes, '{}')
        ) ORDER BY n.position, n.code)
        FROM node n
        JOIN subtree s ON s.id = n.id
        LEFT JOIN subtree_papers sp ON sp.id = n.id
        LEFT JOIN methods me ON me.fault_id = n.id
        LEFT JOIN challenges ch ON ch.fault_id = n.id
    ),
    'summary', json_build_object(
        'leaves', (SELECT json_build_object(
            'total', count(*), 'addressed', count(*) FILTER (WHERE status = 'addressed'),
            'partial', count(*) FILTER (WHERE status = 'partial'),
            'unaddressed', count(*) FILTER (WHERE status = 'unaddressed')) FROM node WHERE kind = 'leaf'),
        'practice', (SELECT json_object_agg(p.src, json_build_object(
            'classified', coalesce(p.classified, 0), 'on_category', coalesce(p.on_category, 0),
            'unclassified', coalesce((SELECT sum(u.n) FROM unclassified u WHERE u.src = p.src), 0),
            'addressed', coalesce(p.addressed, 0), 'partial', coalesce(p.partial, 0),
            'unaddressed', coalesce(p.unaddressed, 0))) FROM practice p),
        'papers', (SELECT json_build_object(
            'total', count(DISTINCT m.paper_id), 'mappings', count(*),
            'explicit', count(*) FILTER (WHERE m.strength = 'explicit'),
            'partial', count(*) FILTER (WHERE m.strength = 'partial'),
            'category_level', count(*) FILTER (WHERE f.kind = 'category'))
            FROM m JOIN taxonomy_fault f ON f.id = m.fault_id),
        'challenges_confirmed', (SELECT count(*) FROM challenges_challenge WHERE status = 'confirmed')
    )
);
