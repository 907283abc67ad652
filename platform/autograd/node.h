// A node of the autograd graph: the backward function of one op output.
//
// An op that records history makes a Node subclass holding what its backward needs, then
// calls RecordOp(node, inputs, &output); Backward() later calls node->Apply(grad_output),
// which returns one gradient per input (undefined where needs_input_grad is false).
//
//   class ScaleBackward : public Node {
//    public:
//     explicit ScaleBackward(float s) : s_(s) {}
//     const char* name() const override { return "scale"; }
//     absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
//       return std::vector<Tensor>{ops::Scale(g, s_).value()};
//     }
//    private:
//     float s_;
//   };
#ifndef VLMLAB_PLATFORM_AUTOGRAD_NODE_H_
#define VLMLAB_PLATFORM_AUTOGRAD_NODE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

class Node {
 public:
  virtual ~Node() = default;
  virtual const char* name() const = 0;
  // Gradients with respect to inputs(), given the gradient of the output. Runs with grad mode
  // off. Entries for inputs that need no gradient may be left undefined.
  virtual absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& grad_output) = 0;

  const std::vector<Tensor>& inputs() const { return inputs_; }
  bool needs_input_grad(size_t i) const { return needs_input_grad_[i]; }
  // Releases the inputs (after backward; the graph is single-use).
  void Release() {
    inputs_.clear();
    released_ = true;
  }
  bool released() const { return released_; }

 private:
  friend bool RecordOp(std::shared_ptr<Node>, std::vector<Tensor>, Tensor*);
  std::vector<Tensor> inputs_;
  std::vector<bool> needs_input_grad_;
  bool released_ = false;
};

// Attaches `node` as the grad_fn of `*output` when grad mode is on and some input requires a
// gradient; returns whether it did. Inputs that do not require gradients cost no backward work.
bool RecordOp(std::shared_ptr<Node> node, std::vector<Tensor> inputs, Tensor* output);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_AUTOGRAD_NODE_H_
