// Test fixture for the dashboard: fills a results store with a small, fully known sweep
// (three runs of two variants, one named "<script>alert(1)</script>", plus a run outside any
// sweep) with fields, curves, metrics and predictions. Used by the unit tests and by the
// browser tests' store (tests/dashboard_e2e).
//
//   VLMLAB_ASSIGN_OR_RETURN(auto db, store::OpenStore(path));
//   VLMLAB_RETURN_IF_ERROR(FillExampleStore(db.get()));
#ifndef VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_TESTING_H_
#define VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_TESTING_H_

#include "absl/status/status.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard::testing {

inline constexpr char kSweepId[] = "sweep-1";
inline constexpr char kSweepName[] = "projector ablation";
inline constexpr char kScriptName[] = "<script>alert(1)</script>";
// A 16x16 red PNG.
inline constexpr char kRedPngDataUri[] =
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR42mM4oaFBEmIY1TC"
    "qYfhqAAB8MxgQ+iSj5QAAAABJRU5ErkJggg==";

// Runs (creation order): "mlp-s0", "mlp-s1" (variant "mlp"), "xss-s0" (variant kScriptName),
// all completed, in kSweepId; "solo-s0" (no sweep, no variant, failed with error
// "<b>boom</b>", no results). mlp-s0 has cost.parameters = 1234567.
//   fields: model.projector = mlp | mlp | perceiver; seed = 0 | 1 | 0;
//           model.projector.mlp.hidden = 2048 | 2048 | -; model.projector.perceiver.latents =
//           - | - | 64; stages[pretrain].optimizer.lr = 0.001 for all three.
//   scalars (stage "pretrain", steps 0..9): loss = 2 - 0.1 * step + 0.05 * seed (+0.3 for
//           xss-s0, whose step 5 is NaN); lr = 0.001 at every step.
//   metrics: vqa/overall = 0.5 | 0.7 | 0.4 (xss-s0 with CI [0.35, 0.45], n = 100);
//           caption/cider = 1.25 for mlp-s0 only.
//   predictions of mlp-s0 for "vqa": "k1" (score 1, with kRedPngDataUri), "k2" (score 0,
//           prediction "<img src=x onerror=alert(1)>"), "k3" (score 0.3, image path
//           "images/k3.png"); xss-s0 has the same but k1 wrong ("blue", score 0).
absl::Status FillExampleStore(store::Store* db);

}  // namespace vlmlab::dashboard::testing

#endif  // VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_TESTING_H_
