#include "platform/autograd/backward.h"

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/api/elementwise.h"
#include "platform/autograd/grad_mode.h"
#include "platform/autograd/node.h"

namespace vlmlab {

bool RecordOp(std::shared_ptr<Node> node, std::vector<Tensor> inputs, Tensor* output) {
  if (!GradMode::enabled()) return false;
  bool any = false;
  node->needs_input_grad_.clear();
  for (const Tensor& in : inputs) {
    bool needs = in.defined() && in.requires_grad();
    node->needs_input_grad_.push_back(needs);
    any = any || needs;
  }
  if (!any) return false;
  node->inputs_ = std::move(inputs);
  output->set_requires_grad(true);
  output->set_grad_fn(std::move(node));
  return true;
}

namespace {

// Nodes reachable from `root`, each after every node that consumes its output. Holds shared
// ownership: releasing one node's inputs may drop the last other reference to another.
std::vector<std::shared_ptr<Node>> TopologicalOrder(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> visited;
  // Iterative post-order DFS (graphs can be thousands of nodes deep).
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack = {{root, 0}};
  visited.insert(root.get());
  while (!stack.empty()) {
    std::shared_ptr<Node> node = stack.back().first;
    size_t next = stack.back().second;
    if (next < node->inputs().size()) {
      ++stack.back().second;
      const Tensor& in = node->inputs()[next];
      if (in.defined() && in.grad_fn() != nullptr && visited.insert(in.grad_fn().get()).second) {
        stack.push_back({in.grad_fn(), 0});
      }
    } else {
      order.push_back(std::move(node));
      stack.pop_back();
    }
  }
  return {order.rbegin(), order.rend()};
}

}  // namespace

absl::Status AccumulateGrad(const Tensor& leaf, const Tensor& grad) {
  if (!leaf.grad().defined()) {
    leaf.set_grad(grad.To(grad.dtype()));  // a private copy: optimizers update grads in place
    return absl::OkStatus();
  }
  absl::StatusOr<Tensor> sum = AddTensors(leaf.grad(), grad);
  if (!sum.ok()) return sum.status();
  leaf.set_grad(*sum);
  return absl::OkStatus();
}

absl::Status Backward(const Tensor& output, const Tensor& seed) {
  if (!output.defined() || !output.requires_grad()) {
    return absl::FailedPreconditionError(
        "backward: the output does not require a gradient (no input requires one, or it was "
        "computed with gradients off)");
  }
  Tensor grad_seed = seed;
  if (!grad_seed.defined()) {
    if (output.numel() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backward: output ", ShapeString(output.shape()),
          " has more than one element; reduce it to a scalar or pass a seed gradient"));
    }
    grad_seed = Tensor::Full(output.shape(), 1.0f, output.dtype());
  } else if (grad_seed.shape() != output.shape()) {
    return absl::InvalidArgumentError(
        absl::StrCat("backward: seed ", ShapeString(grad_seed.shape()), " does not match output ",
                     ShapeString(output.shape())));
  }
  NoGradScope no_grad;
  if (output.is_leaf()) return AccumulateGrad(output, grad_seed);
  if (output.grad_fn()->released()) {
    return absl::FailedPreconditionError(
        "backward: this graph was already used by an earlier backward; recompute the forward");
  }

  std::vector<std::shared_ptr<Node>> order = TopologicalOrder(output.grad_fn());
  std::unordered_map<Node*, Tensor> pending;
  pending[output.grad_fn().get()] = grad_seed;
  for (const std::shared_ptr<Node>& node : order) {
    auto it = pending.find(node.get());
    if (it == pending.end()) continue;  // contributes nothing to the output
    Tensor g = it->second;
    pending.erase(it);
    absl::StatusOr<std::vector<Tensor>> grads = node->Apply(g);
    if (!grads.ok()) {
      return absl::Status(grads.status().code(), absl::StrCat("backward of ", node->name(), ": ",
                                                              grads.status().message()));
    }
    const std::vector<Tensor>& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size() && i < grads->size(); ++i) {
      const Tensor& gi = (*grads)[i];
      if (!node->needs_input_grad(i) || !gi.defined()) continue;
      if (gi.shape() != inputs[i].shape()) {
        return absl::InternalError(absl::StrCat("backward of ", node->name(), ": gradient ",
                                                ShapeString(gi.shape()), " for input ", i,
                                                " of shape ", ShapeString(inputs[i].shape())));
      }
      if (inputs[i].is_leaf()) {
        absl::Status st = AccumulateGrad(inputs[i], gi);
        if (!st.ok()) return st;
      } else {
        Node* producer = inputs[i].grad_fn().get();
        auto p = pending.find(producer);
        if (p == pending.end()) {
          pending[producer] = gi;
        } else {
          absl::StatusOr<Tensor> sum = AddTensors(p->second, gi);
          if (!sum.ok()) return sum.status();
          p->second = *sum;
        }
      }
    }
  }
  for (const std::shared_ptr<Node>& node : order) node->Release();
  return absl::OkStatus();
}

}  // namespace vlmlab
