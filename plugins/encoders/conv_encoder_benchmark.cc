// Times forward + backward of the `conv` encoder with the oneDNN and fused CPU kernels: the
// quickstart's configuration by default (64x64 RGB, width 32, 3 stages, 2 blocks per stage,
// batch 32). Prints wall and CPU time per step.
//
//   bazel run //plugins/encoders:conv_encoder_benchmark -- --batch=32 --threads=2 --steps=5
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"

ABSL_FLAG(int, batch, 32, "images per step");
ABSL_FLAG(int, image_size, 64, "image side");
ABSL_FLAG(int, width, 32, "conv.width");
ABSL_FLAG(int, stages, 3, "conv.stages");
ABSL_FLAG(int, blocks_per_stage, 2, "conv.blocks_per_stage");
ABSL_FLAG(int, stem_stride, 2, "conv.stem_stride");
ABSL_FLAG(int, threads, 0, "CPU threads (0 = all cores)");
ABSL_FLAG(int, steps, 5, "timed steps (after one warm-up)");

namespace {

double CpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  // First thing: may re-execute with a brief OpenMP spin (OpenMP threads do not spin).
  vlmlab::UseBriefOpenMpSpinByDefault();
  absl::ParseCommandLine(argc, argv);
  using namespace vlmlab;  // NOLINT
  SetCpuThreads(absl::GetFlag(FLAGS_threads));
  ConvEncoderOptions o;
  o.set_image_size(absl::GetFlag(FLAGS_image_size));
  o.set_width(absl::GetFlag(FLAGS_width));
  o.set_stages(absl::GetFlag(FLAGS_stages));
  o.set_blocks_per_stage(absl::GetFlag(FLAGS_blocks_per_stage));
  o.set_stem_stride(absl::GetFlag(FLAGS_stem_stride));
  auto enc = GlobalRegistries().Get<Encoder>().Find("conv")->create(o, BuildContext{1});
  CHECK(enc.ok()) << enc.status();
  CHECK((*enc)->Build().ok());
  const int n = absl::GetFlag(FLAGS_batch), s = o.image_size();
  Tensor x = Tensor::RandN({n, 3, s, s}, 2);
  Tensor weights;
  double wall_total = 0, cpu_total = 0;
  const int steps = absl::GetFlag(FLAGS_steps);
  for (int step = 0; step <= steps; ++step) {
    (*enc)->ZeroGrad();
    const auto w0 = std::chrono::steady_clock::now();
    const double c0 = CpuMs();
    absl::StatusOr<EncodedImages> out = (*enc)->Encode({x});
    CHECK(out.ok()) << out.status();
    if (!weights.defined()) weights = Tensor::RandN(out->tokens.shape(), 3);
    Tensor loss = ops::Sum(ops::Mul(out->tokens, weights).value()).value();
    CHECK(Backward(loss).ok());
    const double wall =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count();
    const double cpu = CpuMs() - c0;
    if (step > 0) {
      wall_total += wall;
      cpu_total += cpu;
    }
  }
  std::printf(
      "conv encoder %dx%d width %d stages %d blocks %d stem %d, batch %d: "
      "forward+backward %.1f ms wall, %.1f ms CPU per step (%.2f GFLOP forward)\n",
      s, s, o.width(), o.stages(), o.blocks_per_stage(), o.stem_stride(), n, wall_total / steps,
      cpu_total / steps, (*enc)->ForwardFlops() * n / 1e9);
  return 0;
}
