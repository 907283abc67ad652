// Registries of plugins, one per kind, each mapping a name to a factory that builds the plugin
// from its own typed options message.
//
//   Registry<Encoder>& encoders = registries.Get<Encoder>();
//   absl::Status added = AddPlugin<Encoder, VitOptions>(
//       encoders, "vit", "Vision Transformer (CLIP/SigLIP style)",
//       [](const VitOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Encoder>> {
//         return std::make_unique<VitEncoder>(o);
//       },
//       [](const VitOptions& o, ValidationContext& ctx) { /* cross-field checks */ });
//   const PluginEntry<Encoder>* vit = encoders.Find("vit");
//
// Header-only, so an out-of-tree plugin library registers into the host's registries through
// the PluginRegistries pointer it is handed (plugin_abi.h) without linking vlmlab code. The
// process-wide instance is GlobalRegistries() in //platform/registry.
#ifndef VLMLAB_PLATFORM_PLUGIN_API_REGISTRY_H_
#define VLMLAB_PLATFORM_PLUGIN_API_REGISTRY_H_

#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/plugin_kind.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/plugin_api/tokenizer_trainer.h"
#include "platform/plugin_api/validation_context.h"

namespace vlmlab {

// What every entry has, whatever the interface it builds.
struct PluginEntryBase {
  virtual ~PluginEntryBase() = default;
  std::string name;
  std::string description;  // one line
  std::string origin;       // "built-in" or the shared library it came from
  // The default instance of the options message; its descriptor is the options schema.
  const google::protobuf::Message* options_prototype = nullptr;
  // Cross-field checks beyond the schema's annotations. Called only with a message of the
  // prototype's type. May be empty.
  std::function<void(const google::protobuf::Message&, ValidationContext&)> validate;
};

template <typename Interface>
struct PluginEntry : PluginEntryBase {
  using Factory = std::function<absl::StatusOr<std::unique_ptr<Interface>>(
      const google::protobuf::Message&, const BuildContext&)>;
  Factory create;
};

class RegistryBase {
 public:
  explicit RegistryBase(PluginKind kind) : kind_(kind) {}
  virtual ~RegistryBase() = default;
  PluginKind kind() const { return kind_; }
  virtual const PluginEntryBase* FindEntry(absl::string_view name) const = 0;
  // Entries sorted by name.
  virtual std::vector<const PluginEntryBase*> Entries() const = 0;
  // Drops every entry registered from `origin` (used to undo a failed library load).
  virtual void RemoveOrigin(const std::string& origin) = 0;
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const PluginEntryBase* e : Entries()) names.push_back(e->name);
    return names;
  }

 private:
  PluginKind kind_;
};

template <typename Interface>
class Registry : public RegistryBase {
 public:
  Registry() : RegistryBase(Interface::kKind) {}

  absl::Status Add(PluginEntry<Interface> entry) {
    if (entry.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("a ", PluginKindName(kind()), " plugin from ",
                                                     entry.origin, " has an empty name"));
    }
    if (entry.options_prototype == nullptr || !entry.create) {
      return absl::InvalidArgumentError(absl::StrCat(PluginKindName(kind()), " plugin '",
                                                     entry.name, "' from ", entry.origin,
                                                     " needs an options prototype and a factory"));
    }
    auto it = entries_.find(entry.name);
    if (it != entries_.end()) {
      return absl::AlreadyExistsError(
          absl::StrCat(PluginKindName(kind()), " plugin '", entry.name, "' from ", entry.origin,
                       " is already registered by ", it->second.origin, "; rename one of them"));
    }
    std::string name = entry.name;
    entries_.emplace(std::move(name), std::move(entry));
    return absl::OkStatus();
  }

  const PluginEntry<Interface>* Find(absl::string_view name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  const PluginEntryBase* FindEntry(absl::string_view name) const override { return Find(name); }

  std::vector<const PluginEntryBase*> Entries() const override {
    std::vector<const PluginEntryBase*> out;
    for (const auto& [name, entry] : entries_) out.push_back(&entry);
    return out;
  }

  void RemoveOrigin(const std::string& origin) override {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.origin == origin ? entries_.erase(it) : std::next(it);
    }
  }

 private:
  std::map<std::string, PluginEntry<Interface>, std::less<>> entries_;
};

// One registry per kind.
class PluginRegistries {
 public:
  template <typename Interface>
  Registry<Interface>& Get();

  RegistryBase& ForKind(PluginKind kind) {
    switch (kind) {
      case PluginKind::kEncoder:
        return encoders_;
      case PluginKind::kProjector:
        return projectors_;
      case PluginKind::kFusion:
        return fusions_;
      case PluginKind::kLlm:
        return llms_;
      case PluginKind::kStage:
        return stages_;
      case PluginKind::kEvaluator:
        return evaluators_;
      case PluginKind::kDataset:
        return datasets_;
      case PluginKind::kTokenizer:
        return tokenizers_;
    }
    return encoders_;  // unreachable: the switch is exhaustive
  }
  const RegistryBase& ForKind(PluginKind kind) const {
    return const_cast<PluginRegistries*>(this)->ForKind(kind);
  }

  // Trainers of tokenizer files, by the name of the tokenizer plugin that loads them.
  TokenizerTrainerRegistry& tokenizer_trainers() { return tokenizer_trainers_; }
  const TokenizerTrainerRegistry& tokenizer_trainers() const { return tokenizer_trainers_; }

  // Where registrations made now come from ("built-in" or a library path).
  const std::string& origin() const { return origin_; }
  void set_origin(std::string origin) { origin_ = std::move(origin); }

 private:
  Registry<Encoder> encoders_;
  Registry<Projector> projectors_;
  Registry<Fusion> fusions_;
  Registry<Llm> llms_;
  Registry<Stage> stages_;
  Registry<Evaluator> evaluators_;
  Registry<Dataset> datasets_;
  Registry<Tokenizer> tokenizers_;
  TokenizerTrainerRegistry tokenizer_trainers_;
  std::string origin_ = "built-in";
};

template <typename Interface>
Registry<Interface>& PluginRegistries::Get() {
  return static_cast<Registry<Interface>&>(ForKind(Interface::kKind));
}

// Registers a plugin whose factory and validator take its typed options.
template <typename Interface, typename Options>
absl::Status AddPlugin(
    PluginRegistries& registries, std::string name, std::string description,
    std::function<absl::StatusOr<std::unique_ptr<Interface>>(const Options&, const BuildContext&)>
        create,
    std::function<void(const Options&, ValidationContext&)> validate = nullptr) {
  PluginEntry<Interface> entry;
  entry.name = std::move(name);
  entry.description = std::move(description);
  entry.origin = registries.origin();
  entry.options_prototype = &Options::default_instance();
  // The spec validator checks the message type before either function is called.
  entry.create = [create = std::move(create)](const google::protobuf::Message& options,
                                              const BuildContext& ctx) {
    return create(static_cast<const Options&>(options), ctx);
  };
  if (validate) {
    entry.validate = [validate = std::move(validate)](const google::protobuf::Message& options,
                                                      ValidationContext& ctx) {
      validate(static_cast<const Options&>(options), ctx);
    };
  }
  return registries.Get<Interface>().Add(std::move(entry));
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_REGISTRY_H_
