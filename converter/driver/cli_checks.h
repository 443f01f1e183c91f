// Strict checks for the values of qrt-convert's and qrt-eval's flags
// (CLI11 validators), so that every bad value gets one kind of message:
//
//   qrt-convert: error: --num-images: '-1' is not a whole number; give 0 to 1000000000 (0: every sample)
//   qrt-eval: error: --stride: '0' is out of range; give 1 to 1000000000
//
// The validators run on the text before CLI11 converts it, so a value never
// wraps ('-1' as a size_t, '99999999999' as an int) and CLI11's own
// conversion and range messages are never reached. Header-only (CLI11).
#pragma once

#include <CLI/CLI.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace qrt::cli {

// A whole number lo..hi in plain decimal digits (no sign, no exponent).
inline CLI::Validator whole(uint64_t lo, uint64_t hi, const std::string& note = "") {
  const std::string range = "give " + std::to_string(lo) + " to " + std::to_string(hi) + note;
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return "'" + text + "' is not a whole number; " + range;
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || v < lo || v > hi) return "'" + text + "' is out of range; " + range;
        return std::string();
      },
      std::to_string(lo) + ".." + std::to_string(hi), "whole");
}

// A finite number (or "inf" when allow_inf) in the range; lo_open/hi_open
// exclude the bound itself.
inline CLI::Validator real(double lo, double hi, bool lo_open, bool hi_open, bool allow_inf,
                           const std::string& note = "") {
  auto bound = [](double v) {
    if (std::isinf(v)) return std::string(v > 0 ? "inf" : "-inf");
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  std::string range = "give a number ";
  if (!lo_open && !hi_open && (allow_inf || !std::isinf(hi)))
    range += "from " + bound(lo) + " to " + bound(hi);
  else
    range += (lo_open ? "greater than " : "at least ") + bound(lo) +
             (std::isinf(hi) && !allow_inf ? std::string() : (hi_open ? " and less than " : " and at most ") + bound(hi));
  range += note;
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || std::isnan(v) || (std::isinf(v) && !allow_inf) ||
            text.find_first_of(" \t") != std::string::npos)
          return "'" + text + "' is not a number; " + range;
        if ((errno == ERANGE && !std::isinf(v)) || v < lo || v > hi || (lo_open && v == lo) || (hi_open && v == hi))
          return "'" + text + "' is out of range; " + range;
        return std::string();
      },
      std::string(lo_open ? "(" : "[") + bound(lo) + ", " + bound(hi) + (hi_open ? ")" : "]"), "real");
}

// One of the given words, exactly.
inline CLI::Validator one_of(const std::vector<std::string>& words) {
  std::string list;
  for (const std::string& w : words) list += (list.empty() ? "" : ", ") + w;
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        for (const std::string& w : words)
          if (text == w) return std::string();
        return "'" + text + "' is not one of: " + list;
      },
      "{" + list + "}", "one_of");
}

// Why `path` cannot be written as an output file, or "" if it can: its
// folder must exist and be writable, and the path must not be a folder.
// Checked before a long run, so a typo fails in a second, not at the end.
inline std::string output_path_problem(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "'" + path + "' is a folder, not a file";
    if (access(path.c_str(), W_OK) != 0) return "'" + path + "' exists and cannot be written";
    return std::string();
  }
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (stat(dir.c_str(), &st) != 0) return "cannot write '" + path + "': folder '" + dir + "' does not exist";
  if (!S_ISDIR(st.st_mode)) return "cannot write '" + path + "': '" + dir + "' is not a folder";
  if (access(dir.c_str(), W_OK) != 0) return "cannot write '" + path + "': no permission to write in '" + dir + "'";
  return std::string();
}

// The first option given an empty value ("--crop ''", often an unset shell
// variable), as "--crop: empty value", or "" if none: an empty value would
// otherwise read as "not given".
inline std::string empty_value_problem(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0 || opt->get_expected_min() < 1) continue;  // not given, or a flag
    for (const std::string& v : opt->results())
      if (v.empty()) return opt->get_name() + ": empty value (give a value or leave the option out)";
  }
  return std::string();
}

// CLI11's failure message with the tool's name in front, so a bad flag
// reads like every other error of the tool.
inline std::function<std::string(const CLI::App*, const CLI::Error&)> failure_message(const std::string& tool) {
  return [tool](const CLI::App*, const CLI::Error& e) {
    return tool + ": error: " + e.what() + "\n(" + tool + " --help lists the flags)\n";
  };
}

}  // namespace qrt::cli
