// Whether ops record autograd history on this thread. Off inside NoGradScope (evaluation,
// optimizer updates, and the backward pass itself).
//
//   { NoGradScope no_grad; Tensor y = ops::Matmul(x, w).value(); }  // y has no grad_fn
#ifndef VLMLAB_PLATFORM_AUTOGRAD_GRAD_MODE_H_
#define VLMLAB_PLATFORM_AUTOGRAD_GRAD_MODE_H_

namespace vlmlab {

class GradMode {
 public:
  static bool enabled() { return enabled_ref(); }
  static void set_enabled(bool e) { enabled_ref() = e; }

 private:
  static bool& enabled_ref() {
    thread_local bool enabled = true;
    return enabled;
  }
};

class NoGradScope {
 public:
  NoGradScope() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradScope() { GradMode::set_enabled(previous_); }
  NoGradScope(const NoGradScope&) = delete;
  NoGradScope& operator=(const NoGradScope&) = delete;

 private:
  bool previous_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_AUTOGRAD_GRAD_MODE_H_
