// Python bindings of the csrc/ ops, importable as inference._C.
#include <torch/extension.h>

torch::Tensor recursive_filter(torch::Tensor x, torch::Tensor guide, double sigma_s, double sigma_r,
                               int64_t iterations);
torch::Tensor propagate_forward(torch::Tensor x, torch::Tensor p);
torch::Tensor propagate4_forward(torch::Tensor x, torch::Tensor p, bool merge_max);
std::vector<torch::Tensor> patchmatch_nnf(torch::Tensor A, torch::Tensor B, torch::Tensor wa,
                                          torch::Tensor bvalid, torch::Tensor target, torch::Tensor nnf_init,
                                          int64_t patch, int64_t iterations, int64_t seed);
torch::Tensor patchmatch_vote(torch::Tensor B, torch::Tensor nnf, torch::Tensor dist, torch::Tensor target,
                              torch::Tensor fill, torch::Tensor A, int64_t patch, double sigma2);
std::vector<torch::Tensor> forward_warp(torch::Tensor x, torch::Tensor target, torch::Tensor z, int64_t Ho,
                                        int64_t Wo, double tau, double eps);
std::vector<torch::Tensor> forward_warp_u8(torch::Tensor img, torch::Tensor target, torch::Tensor z, int64_t Ho,
                                           int64_t Wo, double tau, double eps, bool with_weight);
std::vector<torch::Tensor> forward_warp_backward(torch::Tensor grad_y, torch::Tensor x, torch::Tensor target,
                                                 torch::Tensor z, torch::Tensor y, torch::Tensor w,
                                                 torch::Tensor zmin, double tau, double eps);
std::vector<torch::Tensor> propagate_backward(torch::Tensor grad, torch::Tensor x, torch::Tensor p,
                                              torch::Tensor h);

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "Visage native ops (C++/OpenMP)";
  m.def("recursive_filter", &recursive_filter, "Edge-aware recursive filter (domain transform)",
        py::arg("x"), py::arg("guide"), py::arg("sigma_s"), py::arg("sigma_r"), py::arg("iterations"));
  m.def("propagate_forward", &propagate_forward,
        "Three-way spatial propagation, top->bottom scan: x (N,H,W), p (M,3,H,W) -> h",
        py::arg("x"), py::arg("p"));
  m.def("propagate4_forward", &propagate4_forward,
        "All four propagation directions on image-layout weights, merged (inference, no gradient): "
        "x (N,H,W), p (M,4,3,H,W) -> (N,H,W)",
        py::arg("x"), py::arg("p"), py::arg("merge_max"));
  m.def("propagate_backward", &propagate_backward,
        "Gradients of propagate_forward: (grad_h, x, p, h) -> (dx, dp per plane (N,3,H,W))",
        py::arg("grad"), py::arg("x"), py::arg("p"), py::arg("h"));
  m.def("patchmatch_nnf", &patchmatch_nnf,
        "PatchMatch NNF: (A, B, wA, validB, target, nnf_init, patch, iterations, seed) -> (nnf, dist)");
  m.def("patchmatch_vote", &patchmatch_vote,
        "Wexler voting: (B, nnf, dist, target, fill, A, patch, sigma2) -> A with the fill pixels voted");
  m.def("forward_warp", &forward_warp,
        "Bilinear forward splat with soft z-buffer: (x, target, z, Ho, Wo, tau, eps) -> (y, w, zmin)");
  m.def("forward_warp_u8", &forward_warp_u8,
        "forward_warp on an 8-bit (H,W,C) photo: (img, target f32, z, Ho, Wo, tau, eps, with_weight) "
        "-> (img u8, holes, w or empty)");
  m.def("forward_warp_backward", &forward_warp_backward,
        "Gradients of forward_warp: (grad_y, x, target, z, y, w, zmin, tau, eps) -> (dx, dtarget)");
#ifdef _OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
}
