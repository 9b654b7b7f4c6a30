// Edge-aware recursive filter (domain transform, Gastal & Oliveira 2011).
//
// Each pass is the first-order scan h[k] = (1 - p[k]) x[k] + p[k] h[k-1] run along rows
// (left->right then right->left) and along columns (top->bottom then bottom->top), with
// p = a^(1 + (sigma_s/sigma_r) * sum_c |dI_c|) taken from a guide image. The passes are
// iterated with a shrinking sigma; sigma_H halves every iteration, so a doubles in the
// exponent and p for the next iteration is p*p: one exp per pixel and direction in total.
//
// Twin: inference/ops/recursive_filter.py::recursive_filter_reference.
#include <torch/extension.h>

#include <cmath>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

// Weight maps for the horizontal (px) and vertical (py) scans; px[i][0] and py[0][j] have no
// predecessor and are never read.
void edge_weights(const float* g, int64_t H, int64_t W, int64_t G, float k, float loga,
                  float* px, float* py) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < H; ++i) {
    const float* row = g + i * W * G;
    float* pxr = px + i * W;
    float* pyr = py + i * W;
    pxr[0] = 0.f;
    for (int64_t j = 1; j < W; ++j) {
      float d = 0.f;
      for (int64_t c = 0; c < G; ++c) d += std::fabs(row[j * G + c] - row[(j - 1) * G + c]);
      pxr[j] = std::exp(loga * (1.f + k * d));
    }
    if (i == 0) {
      for (int64_t j = 0; j < W; ++j) pyr[j] = 0.f;
    } else {
      const float* up = row - W * G;
      for (int64_t j = 0; j < W; ++j) {
        float d = 0.f;
        for (int64_t c = 0; c < G; ++c) d += std::fabs(row[j * G + c] - up[j * G + c]);
        pyr[j] = std::exp(loga * (1.f + k * d));
      }
    }
  }
}

// Left->right then right->left along every row; squares p after its last use in this
// iteration so it is ready for the next one.
template <int C>
void scan_rows(float* x, float* p, int64_t H, int64_t W, int64_t cdyn, bool square) {
  const int64_t nc = C > 0 ? C : cdyn;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < H; ++i) {
    float* r = x + i * W * nc;
    float* pr = p + i * W;
    for (int64_t j = 1; j < W; ++j) {
      const float pj = pr[j];
      for (int64_t c = 0; c < nc; ++c) r[j * nc + c] += pj * (r[(j - 1) * nc + c] - r[j * nc + c]);
    }
    for (int64_t j = W - 2; j >= 0; --j) {
      const float pj = pr[j + 1];
      for (int64_t c = 0; c < nc; ++c) r[j * nc + c] += pj * (r[(j + 1) * nc + c] - r[j * nc + c]);
      if (square) pr[j + 1] = pj * pj;
    }
  }
}

// Top->bottom then bottom->top; each thread owns a band of columns, so a row step is a
// contiguous, vectorisable sweep.
template <int C>
void scan_cols(float* x, float* p, int64_t H, int64_t W, int64_t cdyn, bool square) {
  const int64_t nc = C > 0 ? C : cdyn;
#pragma omp parallel
  {
#ifdef _OPENMP
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
#else
    const int64_t nt = 1, tid = 0;
#endif
    const int64_t j0 = W * tid / nt, j1 = W * (tid + 1) / nt;
    for (int64_t t = 1; t < H; ++t) {
      float* cur = x + t * W * nc;
      const float* prev = cur - W * nc;
      const float* pr = p + t * W;
      for (int64_t j = j0; j < j1; ++j) {
        const float pj = pr[j];
        for (int64_t c = 0; c < nc; ++c) cur[j * nc + c] += pj * (prev[j * nc + c] - cur[j * nc + c]);
      }
    }
    for (int64_t t = H - 2; t >= 0; --t) {
      float* cur = x + t * W * nc;
      const float* next = cur + W * nc;
      float* pr = p + (t + 1) * W;
      for (int64_t j = j0; j < j1; ++j) {
        const float pj = pr[j];
        for (int64_t c = 0; c < nc; ++c) cur[j * nc + c] += pj * (next[j * nc + c] - cur[j * nc + c]);
        if (square) pr[j] = pj * pj;
      }
    }
  }
}

template <int C>
void run_iterations(float* x, float* px, float* py, int64_t H, int64_t W, int64_t nc, int64_t iters) {
  for (int64_t it = 0; it < iters; ++it) {
    const bool square = it + 1 < iters;
    scan_rows<C>(x, px, H, W, nc, square);
    scan_cols<C>(x, py, H, W, nc, square);
  }
}

}  // namespace

// x: (H, W, C) float32, filtered out of place. guide: (H, W, G) float32 (may be x itself).
torch::Tensor recursive_filter(torch::Tensor x, torch::Tensor guide, double sigma_s, double sigma_r,
                               int64_t iterations) {
  TORCH_CHECK(x.device().is_cpu() && guide.device().is_cpu(), "recursive_filter: CPU tensors expected");
  TORCH_CHECK(x.dim() == 3 && guide.dim() == 3, "recursive_filter: (H, W, C) tensors expected");
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 && guide.scalar_type() == torch::kFloat32,
              "recursive_filter: float32 expected");
  TORCH_CHECK(x.size(0) == guide.size(0) && x.size(1) == guide.size(1),
              "recursive_filter: image and guide sizes differ");
  TORCH_CHECK(sigma_s > 0 && sigma_r > 0 && iterations >= 1, "recursive_filter: bad parameters");
  const int64_t H = x.size(0), W = x.size(1), C = x.size(2), G = guide.size(2);
  auto out = x.contiguous().clone();
  auto g = guide.contiguous();
  if (H == 0 || W == 0 || C == 0) return out;

  // sigma_H for the first iteration (Gastal & Oliveira eq. 14); later ones halve it.
  const double sigma_h0 = sigma_s * std::sqrt(3.0) * std::pow(2.0, double(iterations - 1)) /
                          std::sqrt(std::pow(4.0, double(iterations)) - 1.0);
  const float loga = float(-std::sqrt(2.0) / sigma_h0);
  std::vector<float> px(H * W), py(H * W);
  edge_weights(g.data_ptr<float>(), H, W, G, float(sigma_s / sigma_r), loga, px.data(), py.data());

  float* o = out.data_ptr<float>();
  switch (C) {
    case 1: run_iterations<1>(o, px.data(), py.data(), H, W, C, iterations); break;
    case 3: run_iterations<3>(o, px.data(), py.data(), H, W, C, iterations); break;
    case 4: run_iterations<4>(o, px.data(), py.data(), H, W, C, iterations); break;
    default: run_iterations<0>(o, px.data(), py.data(), H, W, C, iterations); break;
  }
  return out;
}
