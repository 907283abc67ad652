#include "platform/ops/embedding_ops.h"

#include <memory>
#include <vector>

#include "kernels/api/embedding.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

class EmbeddingBackward : public Node {
 public:
  const char* name() const override { return "embedding"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& table = inputs()[1];
    VLMLAB_ASSIGN_OR_RETURN(Tensor ids, MakeContiguous(inputs()[0]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != table.dtype()) gc = gc.To(table.dtype());
    VLMLAB_ASSIGN_OR_RETURN(Tensor gt, NewTensor(table.shape(), table));  // [V, C]
    VLMLAB_RETURN_IF_ERROR(
        EmbeddingBackwardKernels().Call(table.device(), table.dtype(), ids, gc, &gt));
    return std::vector<Tensor>{Tensor(), gt};
  }
};

}  // namespace

absl::StatusOr<Tensor> Embedding(const Tensor& ids, const Tensor& table) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("embedding", ids, "ids"));
  VLMLAB_RETURN_IF_ERROR(CheckDefined("embedding", table, "table"));
  const std::string shapes =
      absl::StrCat("embedding: ids ", ids.DebugString(), " and table ", table.DebugString(), ": ");
  if (ids.dtype() != DType::kI32 || ids.device() != table.device()) {
    return absl::InvalidArgumentError(
        absl::StrCat(shapes, "ids must be i32 on the table's device"));
  }
  if (table.dtype() == DType::kI32 || table.dim() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(shapes, "the table must be a floating-point [V, C] matrix"));
  }
  const int64_t v = table.size(0);
  if (ids.device().type == DeviceType::kCpu) {  // other devices: the kernel checks
    const Tensor held = ids.Contiguous();
    const int32_t* id = held.data<int32_t>();
    for (int64_t i = 0; i < ids.numel(); ++i) {
      if (id[i] < 0 || id[i] >= v) {
        return absl::InvalidArgumentError(absl::StrCat(shapes, "id ", id[i], " at position ",
                                                       IndexString(ids.shape(), i),
                                                       " is outside [0, ", v, ")"));
      }
    }
  }
  Shape out_shape = ids.shape();
  out_shape.push_back(table.size(1));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(out_shape, table));  // [..., C]
  VLMLAB_ASSIGN_OR_RETURN(Tensor ic, MakeContiguous(ids));
  VLMLAB_ASSIGN_OR_RETURN(Tensor tc, MakeContiguous(table));
  absl::Status s = EmbeddingKernels().Call(table.device(), table.dtype(), ic, tc, &out);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(shapes, s.message()));
  RecordOp(std::make_shared<EmbeddingBackward>(), {ids, table}, &out);
  return out;
}

}  // namespace vlmlab::ops
