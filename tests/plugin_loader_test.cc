// Out-of-tree plugins: a shared library registers through the C entry point; a library built
// for another plugin API version, one without the entry point, a missing file and a file that
// is not a library are refused with clear errors; an experiment can use the loaded plugin with
// its own typed options.
#include "platform/registry/plugin_loader.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/plugin_api/plugin_abi.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_validator.h"
#include "tests/test_files.h"

namespace vlmlab {
namespace {

constexpr char kToy[] = "plugins/examples/libtoy_encoder_plugin.so";
constexpr char kFuture[] = "plugins/examples/libfuture_api_plugin.so";
constexpr char kNotAPlugin[] = "plugins/examples/libnot_a_plugin.so";
constexpr char kWrongLayout[] = "plugins/examples/libwrong_layout_plugin.so";

int CountEntries(const PluginRegistries& r) {
  int n = 0;
  for (PluginKind k : kAllPluginKinds) n += static_cast<int>(r.ForKind(k).Names().size());
  return n;
}

TEST(PluginLoader, LoadsTheSampleLibraryAndItsFactoryWorks) {
  PluginRegistries registries;
  absl::Status loaded = LoadPluginLibrary(kToy, registries);
  ASSERT_TRUE(loaded.ok()) << loaded;
  const PluginEntry<Encoder>* toy = registries.Get<Encoder>().Find("toy_encoder");
  ASSERT_NE(toy, nullptr);
  EXPECT_EQ(toy->origin, kToy);
  EXPECT_EQ(toy->options_prototype->GetDescriptor()->full_name(),
            "vlmlab_example.ToyEncoderOptions");
  absl::StatusOr<std::unique_ptr<Encoder>> enc =
      toy->create(*toy->options_prototype, BuildContext{});
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_EQ((*enc)->OutputShape().tokens, 4);
  EXPECT_EQ((*enc)->OutputShape().dim, 32);
  // Loading the same library again changes nothing.
  ASSERT_TRUE(LoadPluginLibrary(kToy, registries).ok());
  EXPECT_EQ(CountEntries(registries), 1);
}

// The loaded library's forward pass calls back into this binary's ops and modules (resolved
// through -rdynamic): per-channel means, a Linear, the token repeated.
TEST(PluginLoader, TheSampleEncoderRunsItsForwardPass) {
  // Never freed: the loader remembers (library, registries address) pairs, and a stack object
  // could reuse the address of an earlier test's registries.
  static auto* registries = new PluginRegistries();
  ASSERT_TRUE(LoadPluginLibrary(kToy, *registries).ok());
  const PluginEntry<Encoder>* toy = registries->Get<Encoder>().Find("toy_encoder");
  ASSERT_NE(toy, nullptr);
  std::unique_ptr<google::protobuf::Message> options(toy->options_prototype->New());
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString("tokens: 3 width: 5 channels: 2",
                                                            options.get()));
  absl::StatusOr<std::unique_ptr<Encoder>> enc = toy->create(*options, BuildContext{7});
  ASSERT_TRUE(enc.ok()) << enc.status();
  ASSERT_TRUE((*enc)->Build().ok());
  // Two images, two channels of 2x2 pixels: channel means (2.5, 10) and (-1, 0).
  Tensor pixels = Tensor::FromVector({2, 2, 2, 2}, {1, 2, 3, 4, 10, 10, 10, 10,  //
                                                    -1, -1, -1, -1, 0, 0, 0, 0});
  absl::StatusOr<EncodedImages> out = (*enc)->Encode({pixels});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->tokens.shape(), (Shape{2, 3, 5}));
  const nn::TensorMap state = (*enc)->StateDict();
  const std::vector<float> w = state.at("proj.weight").ToVector(),
                           b = state.at("proj.bias").ToVector();
  const std::vector<float> got = out->tokens.ToVector();
  const float means[2][2] = {{2.5f, 10.0f}, {-1.0f, 0.0f}};
  for (int n = 0; n < 2; ++n) {
    for (int t = 0; t < 3; ++t) {
      for (int o = 0; o < 5; ++o) {
        const float want = b[o] + means[n][0] * w[o * 2] + means[n][1] * w[o * 2 + 1];
        EXPECT_NEAR(got[(n * 3 + t) * 5 + o], want, 1e-5) << n << " " << t << " " << o;
      }
    }
  }
  EXPECT_FALSE((*enc)->Encode({Tensor::Zeros({1, 3, 2, 2})}).ok());  // 3 channels, not 2
}

TEST(PluginLoader, RefusesAnotherPluginApiVersion) {
  PluginRegistries registries;
  absl::Status st = LoadPluginLibrary(kFuture, registries);
  ASSERT_FALSE(st.ok());
  EXPECT_CONTAINS(st.message(), "built for vlmlab plugin API version 99");
  EXPECT_CONTAINS(st.message(), absl::StrCat("implements version ", VLMLAB_PLUGIN_API_VERSION));
  EXPECT_CONTAINS(st.message(), "rebuild the plugin");
  EXPECT_EQ(CountEntries(registries), 0);
}

TEST(PluginLoader, RefusesAnotherLayoutOfThePluginTypes) {
  PluginRegistries registries;
  absl::Status st = LoadPluginLibrary(kWrongLayout, registries);
  ASSERT_FALSE(st.ok());
  EXPECT_CONTAINS(st.message(), "built with a different memory layout of the plugin types");
  EXPECT_CONTAINS(st.message(), absl::StrCat(absl::Hex(PluginLayoutFingerprint())));
  EXPECT_CONTAINS(st.message(), "rebuild it against this checkout's headers");
  EXPECT_EQ(CountEntries(registries), 0);
  EXPECT_NE(PluginLayoutFingerprint(), 0u);
}

TEST(PluginLoader, RefusesALibraryWithoutTheEntryPoint) {
  PluginRegistries registries;
  absl::Status st = LoadPluginLibrary(kNotAPlugin, registries);
  ASSERT_FALSE(st.ok());
  EXPECT_CONTAINS(st.message(), "is not a vlmlab plugin: it does not export vlmlab_plugin_info()");
  EXPECT_CONTAINS(st.message(), "VLMLAB_DEFINE_PLUGIN");
}

TEST(PluginLoader, RefusesMissingFilesAndNonLibraries) {
  PluginRegistries registries;
  absl::Status missing = LoadPluginLibrary("no/such/libplugin.so", registries);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_CONTAINS(missing.message(), "no/such/libplugin.so' does not exist");
  TestFiles files("loader");
  std::string text = files.Write("libfake.so", "not an ELF file");
  absl::Status fake = LoadPluginLibrary(text, registries);
  ASSERT_FALSE(fake.ok());
  EXPECT_CONTAINS(fake.message(), "cannot load plugin library");
}

TEST(PluginLoader, ExperimentsUseTheLoadedPluginWithItsTypedOptions) {
  ASSERT_TRUE(LoadPluginLibrary(kToy, GlobalRegistries()).ok());
  TestFiles files("external");
  files.Write("base.textproto", kValidExperiment);
  auto check = [&](const std::string& encoder) -> std::string {
    std::string path = files.Write(
        "a.textproto",
        "base: \"base.textproto\"\nmodel { encoder { external { name: \"toy_encoder\" " + encoder +
            " } } projector { linear {} } }\n");
    absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(path);
    if (!loaded.ok()) return std::string(loaded.status().message());
    return std::string(ValidateExperiment(*loaded, GlobalRegistries()).message());
  };
  EXPECT_EQ(check(""), "");
  EXPECT_EQ(check("options { [type.googleapis.com/vlmlab_example.ToyEncoderOptions] "
                  "{ tokens: 9 width: 16 } }"),
            "");
  EXPECT_CONTAINS(check("options { [type.googleapis.com/vlmlab_example.ToyEncoderOptions] "
                        "{ tokens: 0 } }"),
                  "model.encoder.external.options: tokens: must be positive, got 0");
  EXPECT_CONTAINS(check("options { [type.googleapis.com/vlmlab_example.Nope] { tokens: 1 } }"),
                  "load the plugin library that defines vlmlab_example.Nope with --plugin_lib");
  EXPECT_CONTAINS(check("options { [type.googleapis.com/vlmlab.VitOptions] { depth: 1 } }"),
                  "takes options of type vlmlab_example.ToyEncoderOptions, but external.options "
                  "holds vlmlab.VitOptions");
}

}  // namespace
}  // namespace vlmlab
