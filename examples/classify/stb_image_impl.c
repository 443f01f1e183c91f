/* stb_image_impl.c: the one translation unit that compiles stb_image's
 * implementation (Debian's libstb-dev header), with its warnings silenced
 * in CMakeLists.txt: third-party code. */
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
