"""qrt_train: quantization-aware training for qrt (issue 11).

Modules:
- qrt_file:  reads a .qrt (schema/qrt.fbs through flatc-generated Python
             code, generated at run time into a cache folder);
- fakequant: the rounding, clamping and straight-through estimators;
- network:   QatNet, a torch module that runs a .qrt's operator list with
             trainable float parameters from the ONNX model (BN folded in
             the forward pass), in three modes: "float", "fake" (fp32,
             training) and "exact" (the runtime's integers);
- data:      CIFAR-10 and Fashion-MNIST with the .qrt's preprocessing;
- export:    the folded float ONNX and the fixed scales (JSON);
- train:     the QAT loop (checkpoints, --resume).
"""
