"""Realistic practitioner queries and the records that answer them, chosen by hand from the shipped data.

Each query lists every record that would be a right answer (a fault by its id, a paper by its key, a challenge by
its slug); a query succeeds when one of them is among the first five hits. Written from the fixtures' fault names,
paper titles and evidence tags, without running the search.
"""

QUERIES: list[tuple[str, set[str]]] = [
    ("learning rate too high", {"fault:H-5.1-2"}),
    ("loss becomes nan", {"fault:X-4-1", "paper:grist-2021", "paper:debar-2020"}),
    (
        "CUDA out of memory",
        {"fault:H-5.7-3", "fault:H-5.7-1", "challenge:memory-limits-and-out-of-memory-failures-gpu-and-host-ram"},
    ),
    ("tensor shape mismatch", {"fault:H-4.1-2", "fault:H-4.1-1"}),
    ("forgot to move data to the GPU", {"fault:H-2-5", "fault:H-2-6"}),
    ("wrong activation function", {"fault:H-1.2.3-1"}),
    ("missing softmax", {"fault:H-1.2.1-5", "fault:H-1.2.3-2"}),
    ("batch normalization layer missing", {"fault:H-1.2.1-4"}),
    ("which optimizer to use", {"fault:H-5.5-1", "fault:H-5.5"}),
    ("adam epsilon", {"fault:H-5.5-2"}),
    ("unbalanced classes in the dataset", {"fault:H-5.6-3"}),
    ("overfitting without regularization", {"fault:H-5.1-7"}),
    ("deprecated API call", {"fault:H-3-3", "paper:mlcatchup-2020"}),
    ("wrong loss function", {"fault:H-5.2-2", "fault:H-5.2-1"}),
    ("data augmentation", {"fault:H-5.7-4", "fault:H-5.7-5"}),
    ("train test split", {"fault:H-5.3-3"}),
    (
        "mislabeled training data",
        {"fault:H-5.6-1", "paper:confident-learning-2019", "paper:noisy-label-similarity-2025"},
    ),
    ("not enough training data", {"fault:H-5.6-4"}),
    ("checkpoint file not found", {"fault:H-5.7-2"}),
    ("weight initialisation", {"fault:H-1.1-2"}),
    ("too few epochs", {"fault:H-5.1-4"}),
    ("batch size", {"fault:H-5.1-5"}),
    ("dropout layer", {"fault:H-1.2.1-2"}),
    ("flatten before dense layer", {"fault:H-1.2.1-3", "fault:H-1.2.1-1"}),
    ("wrong input data type", {"fault:H-4.2.2-3", "fault:H-4.2.2-1", "fault:H-4.2.2-2"}),
    (
        "fairness bias in machine learning",
        {"fault:X-3", "fault:X-3-1", "fault:X-3-2", "fault:X-3-3", "paper:fair-smote-2021", "paper:fitness-2023"},
    ),
    ("adversarial attack", {"fault:X-2-2"}),
    ("wrong gradients from autodiff", {"fault:X-1-2", "paper:nablafuzz-2023"}),
    ("version incompatibility between libraries", {"fault:X-1-5", "paper:version-incompat-kg-2023"}),
    ("flaky tests", {"fault:X-5-1", "paper:flex-2021", "paper:tera-2021"}),
    ("neuron coverage testing", {"paper:deepxplore-2017", "paper:deepgauge-2018", "paper:nlc-2021"}),
    ("hyperparameter tuning", {"fault:H-5.1-1"}),
    ("validation set", {"fault:H-5.3-1"}),
    ("memory leak", {"fault:H-5.7-1"}),
    ("data parallelism on multiple GPUs", {"fault:H-2-2"}),
    ("shuffle the data", {"fault:H-3-6"}),
    (
        "fault localisation in deep neural networks",
        {"paper:deepfault-2019", "paper:deeplocalize-2021", "paper:deepfd-2022", "paper:deepmufl-2023"},
    ),
    (
        "repair a trained model",
        {
            "paper:arachne-2023",
            "paper:apricot-2019",
            "paper:nnrepair-2021",
            "paper:care-2022",
            "paper:hybridrepair-2022",
        },
    ),
    (
        "fuzzing deep learning libraries",
        {"paper:freefuzz-2022", "paper:deeprel-2022", "paper:titanfuzz-2023", "paper:docter-2021"},
    ),
    (
        "mutation testing",
        {"paper:deepmutation-2018", "paper:deepcrime-2021", "paper:deepmutationpp-2019", "paper:munn-2018"},
    ),
    ("normalise the input images", {"fault:H-5.4.1-1", "fault:H-5.4.2-1"}),
    ("wrong output shape of the model", {"fault:H-1.2.2-3", "fault:H-1.2.2-4"}),
]
