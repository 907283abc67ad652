#include "platform/data/mixture.h"

#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::data {

std::string MixturePosition::ToString() const {
  std::string out = absl::StrCat("step=", step);
  for (size_t i = 0; i < sources.size(); ++i) {
    absl::StrAppend(&out, ";", i, "=", sources[i].epoch, "/", sources[i].drawn,
                    i < exhausted.size() && exhausted[i] ? "!" : "");
  }
  return out;
}

absl::StatusOr<MixturePosition> MixturePosition::Parse(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("data position \"", text, "\": ", why,
                     "; expected e.g. \"step=12;0=1/34;1=0/5\" as MixturePosition::ToString "
                     "writes it"));
  };
  MixturePosition p;
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  if (parts.empty() || !absl::ConsumePrefix(&parts[0], "step=") ||
      !absl::SimpleAtoi(parts[0], &p.step) || p.step < 0) {
    return bad("no step");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view part = parts[i];
    const bool exhausted = absl::ConsumeSuffix(&part, "!");
    std::vector<absl::string_view> kv = absl::StrSplit(part, '=');
    int64_t index = -1;
    if (kv.size() != 2 || !absl::SimpleAtoi(kv[0], &index) ||
        index != static_cast<int64_t>(i - 1)) {
      return bad(absl::StrCat("source entry ", i - 1, " malformed"));
    }
    std::vector<absl::string_view> ed = absl::StrSplit(kv[1], '/');
    SourcePosition s;
    if (ed.size() != 2 || !absl::SimpleAtoi(ed[0], &s.epoch) ||
        !absl::SimpleAtoi(ed[1], &s.drawn) || s.epoch < 0 || s.drawn < 0) {
      return bad(absl::StrCat("source entry ", i - 1, " needs epoch/drawn"));
    }
    p.sources.push_back(s);
    p.exhausted.push_back(exhausted);
  }
  return p;
}

Mixture::Mixture(std::vector<MixtureEntry> entries, uint64_t seed, bool cycle)
    : entries_(std::move(entries)),
      seed_(seed),
      cycle_(cycle),
      exhausted_(entries_.size(), false) {}

absl::StatusOr<std::unique_ptr<Mixture>> Mixture::Create(std::vector<MixtureEntry> entries,
                                                         uint64_t seed, bool cycle) {
  if (entries.empty()) {
    return absl::InvalidArgumentError("data mixture: no sources; add at least one component");
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].source == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("data mixture: component ", i, " has no source"));
    }
    if (!(entries[i].weight > 0) || !std::isfinite(entries[i].weight)) {
      return absl::InvalidArgumentError(absl::StrCat("data mixture: component ", i, " (",
                                                     entries[i].source->name(), ") has weight ",
                                                     entries[i].weight, "; weights must be > 0"));
    }
  }
  return std::unique_ptr<Mixture>(new Mixture(std::move(entries), seed, cycle));
}

int Mixture::Pick() const {
  double total = 0;
  int last = -1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!exhausted_[i]) {
      total += entries_[i].weight;
      last = static_cast<int>(i);
    }
  }
  if (last < 0) return -1;
  const double u = static_cast<double>(CounterBits(seed_, static_cast<uint64_t>(step_)) >> 11) *
                   (1.0 / 9007199254740992.0) * total;
  double acc = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (exhausted_[i]) continue;
    acc += entries_[i].weight;
    if (u < acc) return static_cast<int>(i);
  }
  return last;
}

absl::StatusOr<std::optional<Mixture::Draw>> Mixture::Next() {
  while (true) {
    const int i = Pick();
    if (i < 0) return std::optional<Draw>();
    SampleSource& src = *entries_[i].source;
    absl::StatusOr<std::optional<SampleTask>> task = src.Next();
    if (!task.ok()) return task.status();
    if (!task->has_value() && cycle_) {
      const SourcePosition next_epoch{src.position().epoch + 1, 0};
      if (absl::Status s = src.Seek(next_epoch); !s.ok()) return s;
      task = src.Next();
      if (!task.ok()) return task.status();
      if (!task->has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("data mixture: source ", src.name(),
                         " yields no samples (empty, or every sample "
                         "was skipped as bad; see the warnings)"));
      }
    }
    if (!task->has_value()) {
      exhausted_[i] = true;
      continue;
    }
    ++step_;
    return std::optional<Draw>(Draw{std::move(**task), i, entries_[i].source->strict()});
  }
}

MixturePosition Mixture::position() const {
  MixturePosition p;
  p.step = step_;
  p.exhausted = exhausted_;
  for (const MixtureEntry& e : entries_) p.sources.push_back(e.source->position());
  return p;
}

absl::Status Mixture::Seek(const MixturePosition& position) {
  if (position.sources.size() != entries_.size() ||
      (!position.exhausted.empty() && position.exhausted.size() != entries_.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("data mixture: the saved position has ", position.sources.size(),
                     " sources but the mixture has ", entries_.size(),
                     "; resume with the data configuration the position was saved with"));
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (absl::Status s = entries_[i].source->Seek(position.sources[i]); !s.ok()) return s;
  }
  step_ = position.step;
  exhausted_ =
      position.exhausted.empty() ? std::vector<bool>(entries_.size(), false) : position.exhausted;
  return absl::OkStatus();
}

}  // namespace vlmlab::data
