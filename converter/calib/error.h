// The one error type of the calibration library. what() is a complete user
// message that names the place (tensor name, option, value). Calibration is
// host-only converter code, so errors are exceptions like the rest of the
// converter (qrt::ConvertError in graph/graph.h). The statistics code
// (calibrator.h and below) does not depend on the graph, so it has its own
// type, also a std::runtime_error.
#pragma once

#include <stdexcept>

namespace qrt::calib {

class CalibError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace qrt::calib
