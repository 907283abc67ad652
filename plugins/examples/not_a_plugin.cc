// A shared library without vlmlab's entry point: the loader must refuse it by name.
extern "C" int not_a_vlmlab_plugin(void) { return 42; }
