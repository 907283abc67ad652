// Wall time of one full training step of a small VLM on the CPU: forward, language-modelling
// loss, backward, gradient clipping and an AdamW update, for a model built with BuildVlm from a
// spec (default: the model of experiments/quickstart.textproto, batch 32, 100 tokens).
// Prints each phase's median over --steps steps after --warmup steps, ms/step (wall and
// process CPU time: on a shared, loaded machine CPU time is the stable figure) and samples/s;
// --profile (or VLMLAB_KERNEL_PROFILE=1) adds the per-kernel breakdown of the timed steps
// (kernels/api/kernel_profile.h).
//
//   bazel run -c opt //benchmarks:vlm_step_benchmark -- --steps=10 --threads=2 --profile
//   bazel run -c opt //benchmarks:vlm_step_benchmark -- --experiment=experiments/x.textproto
//   bazel run -c opt //benchmarks:vlm_step_benchmark -- --model='encoder { vit { ... } } ...'
//   vlm_step_benchmark --experiment=experiments/bench/small.textproto --batch=16 --tokens=128 \
//       --json                      # one JSON line, for benchmarks/peer_benchmark.py
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "kernels/api/kernel_profile.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/model/costs.h"
#include "platform/model/vlm_model.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/precision.h"
#include "platform/optim/clip.h"
#include "platform/optim/optimizer.h"
#include "platform/optim/param_groups.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/spec_loader.h"
#include "platform/tensor/cpu_allocator.h"

ABSL_FLAG(std::string, model, "",
          "a `model` section in protobuf text format, used instead of --experiment");
ABSL_FLAG(std::string, experiment, "experiments/quickstart.textproto",
          "the experiment file whose model to build (relative to the working directory)");
ABSL_FLAG(int, batch, 32, "samples per step (one image each)");
ABSL_FLAG(int, image_size, 0, "side of the square RGB images; 0 = the encoder's resolution");
ABSL_FLAG(int, tokens, 100, "sequence length: image tokens and delimiters, then text");
ABSL_FLAG(int, steps, 10, "timed steps");
ABSL_FLAG(int, warmup, 2, "untimed steps first (oneDNN primitive creation, allocator warm-up)");
ABSL_FLAG(int, threads, 0, "kernel threads; 0 = OMP_NUM_THREADS, else all cores");
ABSL_FLAG(bool, profile, false, "time every kernel call and print the breakdown by op");
ABSL_FLAG(std::string, dtype, "f32",
          "f32, or bf16: matmuls and convolutions with bf16 inputs and f32 accumulation "
          "(runtime.dtype: BF16); refused where the CPU has no native bf16 dot products");
ABSL_FLAG(bool, json, false,
          "print one JSON line (median step, samples/s, parameters, training FLOPs per step) "
          "instead of the text report, for benchmarks/peer_benchmark.py");

namespace vlmlab {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// This process image's peak resident memory in MiB (VmHWM of /proc/self/status; 0 if
// unreadable). Not getrusage's ru_maxrss: a child inherits the peak of the process it was
// forked from, e.g. a Python driver that imported torch.
double PeakRssMib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib / 1024.0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// bos, [image_start], placeholders, [image_end], then text up to `tokens` (deterministic bytes)
// with next-token labels on the text; one random image per sample.
absl::StatusOr<ModelInputs> MakeBatch(const VlmModel& m, int64_t batch, int64_t tokens) {
  const Tokenizer& tok = m.tokenizer();
  std::vector<int32_t> prefix = {tok.SpecialId(SpecialToken::kBos)};
  if (m.layout().delimiters) prefix.push_back(tok.SpecialId(SpecialToken::kImageStart));
  for (int64_t i = 0; i < m.layout().placeholders; ++i) prefix.push_back(m.image_token_id());
  if (m.layout().delimiters) prefix.push_back(tok.SpecialId(SpecialToken::kImageEnd));
  const int64_t text = tokens - static_cast<int64_t>(prefix.size());
  if (text < 2) {
    return absl::InvalidArgumentError(absl::StrCat("--tokens=", tokens,
                                                   " leaves no room for text: ", "the image takes ",
                                                   prefix.size(), " tokens; raise --tokens"));
  }
  std::vector<int32_t> ids, labels;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int32_t> row = prefix;
    for (int64_t t = 0; t < text; ++t)
      row.push_back('a' + static_cast<int32_t>((b * 31 + t * 7) % 26));
    for (int64_t t = 0; t < tokens; ++t) {
      ids.push_back(row[t]);
      const bool labelled = t + 1 > static_cast<int64_t>(prefix.size()) && t + 1 < tokens;
      labels.push_back(labelled ? row[t + 1] : -1);
    }
  }
  ModelInputs in;
  in.input_ids = Tensor::FromInts({batch, tokens}, ids);
  in.labels = Tensor::FromInts({batch, tokens}, labels);
  int64_t side = absl::GetFlag(FLAGS_image_size);
  if (side <= 0) {
    VLMLAB_ASSIGN_OR_RETURN(Encoder * encoder, m.encoder());
    side = encoder->InputSpec().size;
  }
  in.images = Tensor::RandN({batch, 3, side, side}, 7);
  return in;
}

absl::Status Main() {
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads > 0) SetCpuThreads(threads);
  Model spec;
  std::string model_text = absl::GetFlag(FLAGS_model);
  if (std::string path = absl::GetFlag(FLAGS_experiment); model_text.empty()) {
    // Under `bazel run` the working directory is the runfiles tree: resolve against the
    // caller's.
    const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
    if (path[0] != '/' && cwd != nullptr) path = absl::StrCat(cwd, "/", path);
    VLMLAB_ASSIGN_OR_RETURN(LoadedExperiment exp, LoadExperimentFile(path));
    spec = exp.experiment.model();
    model_text = absl::StrCat(path, ": ", spec.ShortDebugString());
  } else if (!google::protobuf::TextFormat::ParseFromString(model_text, &spec)) {
    return absl::InvalidArgumentError("--model is not a valid vlmlab.Model text proto");
  }
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype != "f32" && dtype != "bf16") {
    return absl::InvalidArgumentError(absl::StrCat("--dtype=", dtype, ": use f32 or bf16"));
  }
  if (dtype == "bf16" && !ops::HasFastBf16Matmul(DeviceType::kCpu)) {
    return absl::FailedPreconditionError(
        "--dtype=bf16: this CPU has no native bf16 dot products (avx512_bf16), so the bf16 "
        "matmuls would be emulated; there is nothing to measure");
  }
  ops::ScopedMatmulPrecision precision(dtype == "bf16" ? ops::MatmulPrecision::kBF16
                                                       : ops::MatmulPrecision::kF32);
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<VlmModel> model, BuildVlm(spec, GlobalRegistries(), 0));
  const int64_t batch = absl::GetFlag(FLAGS_batch), tokens = absl::GetFlag(FLAGS_tokens);
  VLMLAB_ASSIGN_OR_RETURN(ModelInputs in, MakeBatch(*model, batch, tokens));
  optim::ParamGroupOptions go;
  go.weight_decay = 0.01f;
  VLMLAB_ASSIGN_OR_RETURN(std::vector<optim::ParamGroup> groups,
                          optim::BuildParamGroups(model->NamedParameters(), go));
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<optim::AdamW> opt,
                          optim::AdamW::Create(std::move(groups), optim::AdamWOptions{}));
  model->SetTraining(true);
  const bool json = absl::GetFlag(FLAGS_json);
  // Text tokens: the sequence minus the image's placeholders and delimiters (costs.h counts
  // those per image itself).
  const int64_t image_tokens =
      model->layout().placeholders + (model->layout().delimiters ? 2 : 0);
  const double train_flops =
      batch * TrainingFlopsPerSample(*model, tokens - image_tokens, /*images=*/1);
  if (!json) std::printf("model: %s\n", model_text.c_str());
  if (!json) std::printf("%lld parameters, batch %lld x %lld tokens (%lld visual per image), %d threads, %s\n",
              static_cast<long long>(model->NumParameters()), static_cast<long long>(batch),
              static_cast<long long>(tokens),
              static_cast<long long>(model->summary().visual_tokens.tokens), CpuThreads(),
              dtype.c_str());

  const bool profile = absl::GetFlag(FLAGS_profile) || KernelProfiling();
  const int warmup = absl::GetFlag(FLAGS_warmup), steps = absl::GetFlag(FLAGS_steps);
  std::vector<double> fwd, bwd, upd, total, cpu;
  float last_loss = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    if (s == warmup) {
      ResetKernelProfile();
      SetKernelProfiling(profile);
    }
    const std::clock_t c0 = std::clock();
    const Clock::time_point t0 = Clock::now();
    VLMLAB_ASSIGN_OR_RETURN(Tensor loss, model->Loss(in));
    const Clock::time_point t1 = Clock::now();
    VLMLAB_RETURN_IF_ERROR(Backward(loss));
    const Clock::time_point t2 = Clock::now();
    VLMLAB_ASSIGN_OR_RETURN(double norm, optim::GradNorm(opt->Parameters()));
    VLMLAB_RETURN_IF_ERROR(opt->Step(1e-3, optim::ClipScale(norm, 1.0)));
    opt->ZeroGrad();
    const Clock::time_point t3 = Clock::now();
    const std::clock_t c3 = std::clock();
    last_loss = loss.ToVector()[0];
    if (s < warmup) continue;
    fwd.push_back(Ms(t0, t1));
    bwd.push_back(Ms(t1, t2));
    upd.push_back(Ms(t2, t3));
    total.push_back(Ms(t0, t3));
    cpu.push_back(1000.0 * (c3 - c0) / CLOCKS_PER_SEC);
  }
  SetKernelProfiling(false);
  const double step = Median(total);
  if (json) {
    std::printf(
        "{\"system\": \"vlmlab\", \"dtype\": \"%s\", \"params\": %lld, \"batch\": %lld, \"tokens\": %lld, "
        "\"threads\": %d, \"steps\": %d, \"median_step_ms\": %.3f, \"samples_per_s\": %.3f, "
        "\"train_flops_per_step\": %.6g, \"final_loss\": %.5f, \"peak_rss_mib\": %.1f}\n",
        dtype.c_str(), static_cast<long long>(model->NumParameters()), static_cast<long long>(batch),
        static_cast<long long>(tokens), CpuThreads(), steps, step, 1000.0 * batch / step,
        train_flops, last_loss, PeakRssMib());
    return absl::OkStatus();
  }
  std::printf("median of %d steps: forward %.1f ms, backward %.1f ms, clip+adamw %.1f ms\n", steps,
              Median(fwd), Median(bwd), Median(upd));
  std::printf("step %.1f ms (min %.1f, cpu %.1f ms), %.1f samples/s, final loss %.4f\n", step,
              *std::min_element(total.begin(), total.end()), Median(cpu), 1000.0 * batch / step,
              last_loss);
  const CpuAllocatorStats a = GetCpuAllocatorStats();
  std::printf("cpu allocator: %lld of %lld cacheable allocations from the cache, %.1f MB cached; "
              "peak RSS %.0f MiB\n",
              static_cast<long long>(a.cache_hits), static_cast<long long>(a.allocations),
              a.cached_bytes / 1048576.0, PeakRssMib());
  if (profile) {
    double wall = 0, cpu_sum = 0;
    std::vector<KernelTime> ks = KernelProfile();
    for (const KernelTime& k : ks) {
      wall += k.nanoseconds * 1e-6 / steps;
      cpu_sum += k.cpu_nanoseconds * 1e-6 / steps;
    }
    const double step_cpu = Median(cpu);
    std::printf(
        "\nkernels per step: %.1f ms CPU of the step's %.1f (%.1f outside kernels); "
        "%.1f ms wall\n",
        cpu_sum, step_cpu, step_cpu - cpu_sum, wall);
    std::printf("%-26s %-10s %6s %9s %6s %9s\n", "op", "backend", "calls", "cpu ms", "%cpu",
                "wall ms");
    for (const KernelTime& k : ks) {
      const double c = k.cpu_nanoseconds * 1e-6 / steps;
      std::printf("%-26s %-10s %6lld %9.2f %6.1f %9.2f\n", k.op.c_str(), k.backend.c_str(),
                  static_cast<long long>(k.calls / steps), c, 100 * c / step_cpu,
                  k.nanoseconds * 1e-6 / steps);
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace vlmlab

int main(int argc, char** argv) {
  vlmlab::UseBriefOpenMpSpinByDefault();  // may re-execute with a brief OpenMP spin
  absl::ParseCommandLine(argc, argv);
  absl::Status s = vlmlab::Main();
  if (!s.ok()) {
    std::fprintf(stderr, "vlm_step_benchmark: error: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
