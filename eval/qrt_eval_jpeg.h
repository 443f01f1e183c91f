// JPEG decoding with libjpeg(-turbo) for archive datasets
// (converter/data/image_decode.h: set_memory_image_decoder). libjpeg is a
// required dependency of qrt-eval (cmake/QrtDependencies.cmake).
//
// Why: accuracies published with a model are usually measured with PIL,
// which decodes JPEG with libjpeg (integer "islow" IDCT, fancy upsampling).
// stb_image's decoder differs by up to 3 levels in about 7% of CIFAR-10's
// pixel values, which moves a CIFAR-10 top-1 by a few images (83.14% instead
// of 83.10% on resnet_c10). With libjpeg the float top-1 reproduces the
// reference. Non-JPEG data (PNG, ...) still goes to stb_image.
#pragma once

namespace qrt::eval {

// Installs the libjpeg decoder process-wide (qrt-eval's default; --jpeg-decoder
// stb keeps stb_image).
void install_libjpeg_decoder();

}  // namespace qrt::eval
