// Engine, stream, error conversion and memory descriptors for the oneDNN kernels.
//
//   dnnl::memory::desc md = cpu::PlainDesc(x.shape(), x.dtype());
#include "kernels/cpu/onednn_common.h"

#include "absl/strings/str_cat.h"

namespace vlmlab::cpu {

const dnnl::engine& OnednnEngine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& OnednnStream() {
  thread_local dnnl::stream stream(OnednnEngine());
  return stream;
}

std::atomic<int64_t>& FallbackCount() {
  static std::atomic<int64_t> count{0};
  return count;
}

absl::Status DnnlError(const dnnl::error& e, const char* file, int line, absl::string_view what) {
  // __FILE__ is the execroot-relative path under Bazel: keep it from "kernels/".
  absl::string_view path(file);
  size_t pos = path.find("kernels/");
  if (pos != absl::string_view::npos) path.remove_prefix(pos);
  std::string message = absl::StrCat(path, ":", line, ": oneDNN ", what, ": ",
                                     e.message != nullptr ? e.message : "(no message)",
                                     " (dnnl_status ", static_cast<int>(e.status), ")");
  if (e.status == dnnl_unimplemented) return absl::UnimplementedError(message);
  if (e.status == dnnl_invalid_arguments) return absl::InvalidArgumentError(message);
  if (e.status == dnnl_out_of_memory) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

dnnl::memory::data_type DnnlType(DType t) {
  switch (t) {
    case DType::kF32:
      return dnnl::memory::data_type::f32;
    case DType::kBF16:
      return dnnl::memory::data_type::bf16;
    case DType::kI32:
      return dnnl::memory::data_type::s32;
  }
  return dnnl::memory::data_type::undef;
}

dnnl::memory::dims DnnlDims(const Shape& shape) {
  if (shape.empty()) return {1};
  return dnnl::memory::dims(shape.begin(), shape.end());
}

dnnl::memory::desc PlainDesc(const Shape& shape, DType t) {
  dnnl::memory::dims dims = DnnlDims(shape);
  return dnnl::memory::desc(dims, DnnlType(t), ContiguousStrides(dims));
}

dnnl::memory::desc StridedDesc(const Shape& shape, const std::vector<int64_t>& strides, DType t) {
  if (shape.empty()) return dnnl::memory::desc({1}, DnnlType(t), dnnl::memory::dims{1});
  return dnnl::memory::desc(DnnlDims(shape), DnnlType(t),
                            dnnl::memory::dims(strides.begin(), strides.end()));
}

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

ArgMemories::ArgMemories(const dnnl::primitive_desc_base& pd, std::initializer_list<int> arg_ids)
    : scratchpad_(pd.scratchpad_desc()) {
  for (int arg : arg_ids) args_.emplace_back(arg, pd.query_md(dnnl::query::exec_arg_md, arg));
}

void ArgMemories::Execute(const dnnl::primitive& prim,
                          std::initializer_list<void*> pointers) const {
  std::unique_ptr<Set> set;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      set = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (set == nullptr) {
    set = std::make_unique<Set>();
    for (const auto& [arg, md] : args_) {
      set->emplace(arg, dnnl::memory(md, OnednnEngine(), DNNL_MEMORY_NONE));
    }
    if (scratchpad_.get_size() > 0) {  // owned by this set
      set->emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad_, OnednnEngine()));
    }
  }
  struct ReturnToPool {  // also when execute throws
    const ArgMemories* self;
    std::unique_ptr<Set>* set;
    ~ReturnToPool() {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->free_.push_back(std::move(*set));
    }
  } give_back{this, &set};
  auto ptr = pointers.begin();
  for (const auto& arg : args_) set->at(arg.first).set_data_handle(*ptr++);
  dnnl::stream& stream = OnednnStream();
  prim.execute(stream, *set);
  stream.wait();
}

}  // namespace vlmlab::cpu
