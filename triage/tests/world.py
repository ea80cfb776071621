"""A small taxonomy whose top-level faults carry the real names the classifier's labels map to.

GPU Usage (H-2)
├── Wrong reference to GPU device (H-2-1)      ← paper "gpu-partial" (partial); 1 GitHub issue
└── Missing transfer of data to GPU (H-2-5)    ← paper "gpu-explicit" (explicit); 1 SO post, 1 interview mention;
                                                  challenge "hard-to-setup-framework"
Tensors & Inputs (H-4)
└── Wrong tensor shape (H-4.1-1)               ← 1 GitHub issue
Training (H-5), Model (H-1), API (H-3): categories with no leaf
"""

from challenges.tests.factories import make_artifact, make_challenge, make_interview, make_mention
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault, Strength
from taxonomy.tests.factories import make_fault

CATEGORY = Fault.Kind.CATEGORY


def build_world() -> dict:
    w = {}
    w["model"] = make_fault("H-1", name="Model", kind=CATEGORY, position=1)
    w["gpu"] = make_fault("H-2", name="GPU Usage", kind=CATEGORY, position=2)
    w["gpu_reference"] = make_fault(
        "H-2-1",
        name="Wrong reference to GPU device",
        parent=w["gpu"],
        position=3,
        definition="The code refers to a GPU device that does not exist or is not the intended one.",
    )
    w["gpu_transfer"] = make_fault(
        "H-2-5",
        name="Missing transfer of data to GPU",
        parent=w["gpu"],
        position=4,
        definition="Tensors stay on the CPU while the model runs on the GPU.",
    )
    w["api"] = make_fault("H-3", name="API", kind=CATEGORY, position=5)
    w["tensor"] = make_fault("H-4", name="Tensors & Inputs", kind=CATEGORY, position=6)
    w["shape"] = make_fault("H-4.1-1", name="Wrong tensor shape", parent=w["tensor"], position=7)
    w["training"] = make_fault("H-5", name="Training", kind=CATEGORY, position=8)

    w["explicit"] = make_paper("gpu-explicit", title="Zeta: moving tensors to the right device", year=2024)
    w["partial"] = make_paper("gpu-partial", title="Alpha: device bugs in general", year=2023)
    make_mapping(w["explicit"], w["gpu_transfer"])
    make_mapping(w["partial"], w["gpu_reference"], strength=Strength.PARTIAL)

    w["issue"] = make_artifact(w["gpu_reference"], final_tag="wrong cuda device index")
    w["post"] = make_artifact(w["gpu_transfer"], source="stackoverflow", final_tag="input tensor not moved to cuda")
    w["shape_issue"] = make_artifact(w["shape"], final_tag="wrong input shape for dense layer")
    w["unclassified"] = make_artifact(None, final_tag="cuda cuda cuda")  # never suggested: no leaf
    w["interview"] = make_interview(3)
    w["mention"] = make_mention(w["interview"], w["gpu_transfer"], tag="forgot to move the batch to the gpu")
    w["challenge"] = make_challenge("hard-to-setup-framework", faults=[w["gpu_transfer"]])
    return w


# Written for these tests (not from the training data): a PyTorch CUDA out-of-memory question.
CUDA_REPORT = """RuntimeError: CUDA out of memory when training on GPU

I am training a ResNet-50 in PyTorch on a GeForce GTX 1080 and after a few iterations I get:

    RuntimeError: CUDA out of memory. Tried to allocate 256.00 MiB (GPU 0; 7.93 GiB total capacity;
    6.81 GiB already allocated; 98.56 MiB free; 6.92 GiB reserved in total by PyTorch)

model = torchvision.models.resnet50().cuda()
for images, labels in loader:
    images = images.to('cuda:0')
    outputs = model(images)

I already call torch.cuda.empty_cache() after every batch and nvidia-smi shows the GPU memory full. How do I
move the tensors to the device without running out of memory?
"""
