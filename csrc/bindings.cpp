// Python bindings of the csrc/ ops, importable as inference._C.
#include <torch/extension.h>

torch::Tensor recursive_filter(torch::Tensor x, torch::Tensor guide, double sigma_s, double sigma_r,
                               int64_t iterations);

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "Visage native ops (C++/OpenMP)";
  m.def("recursive_filter", &recursive_filter, "Edge-aware recursive filter (domain transform)",
        py::arg("x"), py::arg("guide"), py::arg("sigma_s"), py::arg("sigma_r"), py::arg("iterations"));
#ifdef _OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
}
