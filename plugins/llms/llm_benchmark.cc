// Forward + backward time of the quickstart-sized llama: batch 32 x 96 tokens, hidden 192,
// 4 layers, 6 heads (2 kv heads), vocabulary 264, loss = cross-entropy of the next token.
// Prints the median of --iters steps after one warm-up (for a per-op breakdown, use perf).
//
//   bazel run //plugins/llms:llm_benchmark -- --threads=2 --iters=5
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/ops/shape_ops.h"
#include "plugins/llms/llama_llm.h"

namespace vlmlab::llms {
namespace {

int Flag(int argc, char** argv, absl::string_view name, int fallback) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    absl::string_view a(argv[i]);
    int v;
    if (absl::StartsWith(a, prefix) && absl::SimpleAtoi(a.substr(prefix.size()), &v)) return v;
  }
  return fallback;
}

absl::Status Main(int argc, char** argv) {
  const int threads = Flag(argc, argv, "threads", 0), iters = Flag(argc, argv, "iters", 5);
  const int64_t batch = Flag(argc, argv, "batch", 32), tokens = Flag(argc, argv, "tokens", 96);
  SetCpuThreads(threads);
  LlamaOptions o;
  o.set_hidden(Flag(argc, argv, "hidden", 192));
  o.set_layers(Flag(argc, argv, "layers", 4));
  o.set_heads(6);
  o.set_kv_heads(2);
  o.set_max_seq_len(128);
  const int64_t vocab = 264;
  std::unique_ptr<Llm> llm = NewLlamaLlm(o);
  VLMLAB_RETURN_IF_ERROR(llm->Build(vocab));
  llm->Initialize(1);
  std::vector<int32_t> ids(batch * (tokens + 1));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 7919) % vocab);
  Tensor all = Tensor::FromInts({batch, tokens + 1}, ids);
  VLMLAB_ASSIGN_OR_RETURN(Tensor input, ops::Slice(all, 1, 0, tokens));
  VLMLAB_ASSIGN_OR_RETURN(Tensor target, ops::Slice(all, 1, 1, tokens + 1));
  input = input.Contiguous();
  target = target.Contiguous();
  std::printf(
      "llama: %lld parameters, batch %lld x %lld tokens, hidden %d, %d layers, "
      "threads %d (0 = all)\n",
      static_cast<long long>(llm->NumParameters()), static_cast<long long>(batch),
      static_cast<long long>(tokens), o.hidden(), o.layers(), threads);
  std::vector<double> fwd, total, cpu;
  for (int it = 0; it <= iters; ++it) {
    llm->ZeroGrad();
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    VLMLAB_ASSIGN_OR_RETURN(Tensor x, llm->Embed(input));
    LlmInputs in;
    in.embeddings = x;
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm->Run(in));
    VLMLAB_ASSIGN_OR_RETURN(Tensor logits, llm->Logits(h));
    VLMLAB_ASSIGN_OR_RETURN(Tensor loss, ops::CrossEntropy(logits, target));
    const auto t1 = std::chrono::steady_clock::now();
    VLMLAB_RETURN_IF_ERROR(Backward(loss));
    const auto t2 = std::chrono::steady_clock::now();
    const std::clock_t c2 = std::clock();
    if (it == 0) continue;  // warm-up: oneDNN primitive creation
    fwd.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    total.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    cpu.push_back(1000.0 * static_cast<double>(c2 - c0) / CLOCKS_PER_SEC);
  }
  std::sort(fwd.begin(), fwd.end());
  std::sort(total.begin(), total.end());
  std::sort(cpu.begin(), cpu.end());
  // CPU time (all threads) tells the cost on a machine shared with other work.
  std::printf(
      "forward %.1f ms, forward + backward %.1f ms wall (min %.1f), %.1f ms CPU "
      "(median of %d; %.2f GFLOP forward)\n",
      fwd[fwd.size() / 2], total[total.size() / 2], total[0], cpu[cpu.size() / 2], iters,
      batch * llm->ForwardFlops(tokens) / 1e9);
  return absl::OkStatus();
}

}  // namespace
}  // namespace vlmlab::llms

int main(int argc, char** argv) {
  // First thing: may re-execute with a brief OpenMP spin (OpenMP threads do not spin).
  vlmlab::UseBriefOpenMpSpinByDefault();
  absl::Status s = vlmlab::llms::Main(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "llm_benchmark: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
