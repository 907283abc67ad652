// Module: the base of every layer and model. A tree of named children and parameters with
// hierarchical names ("encoder.blocks.0.attn.qkv.weight"), freezing by glob pattern, state
// dicts for checkpoints, train/eval mode, and submodule replacement (LoRA injection).
//
//   class Block : public Module {
//    public:
//     Block(int64_t d) {
//       fc_ = RegisterModule("fc", std::make_unique<Linear>(d, d));
//       scale_ = RegisterParameter("scale", Tensor::Full({d}, 1.0f));
//     }
//     const char* type_name() const override { return "Block"; }
//     absl::StatusOr<Tensor> Forward(const Tensor& x) override {
//       VLMLAB_ASSIGN_OR_RETURN(Tensor h, fc_->Forward(x));
//       return ops::Mul(h, *scale_);
//     }
//    private:
//     Submodule fc_;
//     ParamRef scale_;
//   };
//   Block b(8);
//   b.Initialize(/*seed=*/7);            // deterministic, per full parameter name
//   b.SetTrainable("fc.*", false);       // frozen: requires_grad off, no gradient work
//   TensorMap sd = b.StateDict();        // {"fc.bias", "fc.weight", "scale"}
//
// Ownership and handles:
// - A parent owns its children (std::unique_ptr), in registration order. Subclasses keep a
//   `Submodule` handle (owner + index), never a raw pointer: ReplaceModule swaps the child in
//   place and every handle then sees the replacement.
// - Parameters are stored by the module that registered them; subclasses keep a `ParamRef`
//   (owner + index) and read the tensor at forward time. SetParameter rebinds a name to another
//   tensor (weight tying, device moves, functional calls in tests); build optimizers after such
//   changes, since they hold tensor handles. Initialize and LoadStateDict write values in place.
// - Modules are neither copyable nor movable (handles point at their owner).
// Invalid names (empty, containing '.') and duplicate registrations are programming errors and
// CHECK-fail.
#ifndef VLMLAB_PLATFORM_NN_MODULE_H_
#define VLMLAB_PLATFORM_NN_MODULE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/nn/init.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::nn {

class Module;

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using TensorMap = std::map<std::string, Tensor>;

// A handle to a registered child; follows ReplaceModule.
class Submodule {
 public:
  Submodule() = default;
  Module* get() const;
  Module* operator->() const { return get(); }
  Module& operator*() const { return *get(); }
  template <typename T>
  T* As() const {  // nullptr when the child is not a T (e.g. after a LoRA wrap)
    return dynamic_cast<T*>(get());
  }
  explicit operator bool() const { return owner_ != nullptr; }

 private:
  friend class Module;
  Submodule(const Module* owner, size_t index) : owner_(owner), index_(index) {}
  const Module* owner_ = nullptr;
  size_t index_ = 0;
};

// A handle to a registered parameter; follows SetParameter.
class ParamRef {
 public:
  ParamRef() = default;
  const Tensor& get() const;
  const Tensor& operator*() const { return get(); }
  const Tensor* operator->() const { return &get(); }
  explicit operator bool() const { return owner_ != nullptr; }

 private:
  friend class Module;
  ParamRef(const Module* owner, size_t index) : owner_(owner), index_(index) {}
  const Module* owner_ = nullptr;
  size_t index_ = 0;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // "Linear", "MLP", ...: lets LoRA target "every linear layer" and printing show types.
  virtual const char* type_name() const { return "Module"; }
  // The one-tensor forward, so containers and wrappers can call any unary module. Modules
  // with other signatures add their own methods; the default returns Unimplemented.
  virtual absl::StatusOr<Tensor> Forward(const Tensor& x);
  // (Re)initialises this module's own parameters (not its children's) from `init`. Default:
  // leave them as they are.
  virtual void ResetParameters(const ParamInit& init) {}

  // Calls ResetParameters on every module of the tree with its name prefix: the result
  // depends only on (seed, full parameter names).
  void Initialize(uint64_t seed);

  // Parameters in registration order: this module's own, then each child's (depth first).
  // A tensor registered under several names (tied weights) appears once, under its first name.
  NamedTensors NamedParameters(bool trainable_only = false) const;
  std::vector<Tensor> Parameters(bool trainable_only = false) const;
  // Element count of NamedParameters(trainable_only).
  int64_t NumParameters(bool trainable_only = false) const;

  // Every descendant (not this module) with its full path, depth first, parents first.
  std::vector<std::pair<std::string, Module*>> NamedModules() const;
  // The direct children, in registration order.
  std::vector<std::pair<std::string, Module*>> NamedChildren() const;
  // The descendant at a dotted path ("encoder.blocks.0"), or nullptr.
  Module* FindModule(absl::string_view path) const;
  // Puts `replacement` at `path` and returns the module that was there. The replacement takes
  // the parent's train/eval mode. Errors name the first path component that does not exist.
  absl::StatusOr<std::unique_ptr<Module>> ReplaceModule(absl::string_view path,
                                                        std::unique_ptr<Module> replacement);
  // Rebinds the parameter at a full name to `value` (same shape; used as given, its
  // requires_grad included).
  absl::Status SetParameter(absl::string_view name, const Tensor& value);

  // Sets requires_grad on every parameter whose full name matches the glob `pattern`
  // (platform/nn/name_pattern.h); freezing also drops the current gradient. Returns how many
  // parameters matched (0 usually means a typo).
  int SetTrainable(absl::string_view pattern, bool trainable);
  // Drops every parameter's gradient (the next Backward sets it afresh).
  void ZeroGrad();

  // Every parameter under every name (tied weights appear under each), as detached handles
  // sharing storage: no copy. Copy a value with `t.To(t.dtype())` when a snapshot is needed.
  TensorMap StateDict() const;
  // Copies values into the parameters in place (converting dtype). All problems are checked
  // before anything is written and reported together: missing keys and unexpected keys (only
  // when strict), shape (or device) mismatches (always). Example message:
  //   load_state_dict: missing keys: [fc.bias]; unexpected keys: [fc.b];
  //   shape mismatch: fc.weight: model [3, 4], checkpoint [4, 3]
  absl::Status LoadStateDict(const TensorMap& state, bool strict = true);

  // Train/eval mode (dropout and the like read is_training()); propagated to all children.
  void SetTraining(bool training);
  bool is_training() const { return training_; }

 protected:
  // The value is detached (a parameter is a leaf) and marked requires_grad.
  ParamRef RegisterParameter(absl::string_view name, const Tensor& value);
  Submodule RegisterModule(absl::string_view name, std::unique_ptr<Module> module);
  size_t num_children() const { return children_.size(); }
  Submodule child(size_t index) const;

 private:
  friend class Submodule;
  friend class ParamRef;
  void CollectParameters(const std::string& prefix, NamedTensors* out) const;
  void CollectModules(const std::string& prefix,
                      std::vector<std::pair<std::string, Module*>>* out) const;
  // The module owning the last component of `name` ("a.b.weight" -> a.b and "weight").
  absl::StatusOr<std::pair<const Module*, std::string>> Resolve(absl::string_view name) const;

  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
  bool training_ = true;
};

// Children "0", "1", ... in order; Forward applies them in sequence (a Sequential).
class ModuleList : public Module {
 public:
  const char* type_name() const override { return "ModuleList"; }
  Submodule Append(std::unique_ptr<Module> module);
  size_t size() const { return num_children(); }
  Submodule operator[](size_t i) const { return child(i); }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_MODULE_H_
