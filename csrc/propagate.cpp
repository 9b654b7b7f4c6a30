// Three-way linear spatial propagation (Liu et al. 2017, "Learning affinity via spatial
// propagation networks"), one scan direction, forward and backward.
//
// Canonical direction: top -> bottom (t = row, k = column), so every step reads and writes
// whole contiguous rows. Other directions are flips/transposes done by the Python wrapper.
//   h[t,k] = (1 - sum_j p_j[t,k]) x[t,k] + sum_{j=-1,0,1} p_j[t,k] h[t-1,k+j]
// with h outside the map = 0. Weights are assumed normalised (sum_j |p_j| <= 1) by the caller.
//
// x, h: (N, H, W) planes. p: (M, 3, H, W) with N = M * G: plane n uses weight set n / G
// (weights shared by the channels of one image). The backward returns dp per plane,
// (N, 3, H, W); the wrapper sums over the G planes that share a weight set.
//
// Twin: inference/ops/propagate.py::scan_reference.
#include <torch/extension.h>

#include <vector>

namespace {

template <typename T>
void forward_plane(const T* x, const T* p, T* h, int64_t H, int64_t W) {
  const int64_t HW = H * W;
  const T* pm = p;           // weight to h[t-1, k-1]
  const T* p0 = p + HW;      // weight to h[t-1, k]
  const T* pp = p + 2 * HW;  // weight to h[t-1, k+1]
  for (int64_t k = 0; k < W; ++k) h[k] = (T(1) - pm[k] - p0[k] - pp[k]) * x[k];
  for (int64_t t = 1; t < H; ++t) {
    const int64_t o = t * W;
    const T* hp = h + o - W;
    T* hr = h + o;
    const T* xr = x + o;
    const T *a = pm + o, *b = p0 + o, *c = pp + o;
    if (W == 1) {
      hr[0] = (T(1) - a[0] - b[0] - c[0]) * xr[0] + b[0] * hp[0];
      continue;
    }
    hr[0] = (T(1) - a[0] - b[0] - c[0]) * xr[0] + b[0] * hp[0] + c[0] * hp[1];
    for (int64_t k = 1; k < W - 1; ++k)
      hr[k] = (T(1) - a[k] - b[k] - c[k]) * xr[k] + a[k] * hp[k - 1] + b[k] * hp[k] + c[k] * hp[k + 1];
    const int64_t e = W - 1;
    hr[e] = (T(1) - a[e] - b[e] - c[e]) * xr[e] + a[e] * hp[e - 1] + b[e] * hp[e];
  }
}

template <typename T>
void backward_plane(const T* g, const T* x, const T* p, const T* h, T* dx, T* dp, int64_t H, int64_t W,
                    std::vector<T>& dnext, std::vector<T>& dcur) {
  const int64_t HW = H * W;
  const T *pm = p, *p0 = p + HW, *pp = p + 2 * HW;
  T *dpm = dp, *dp0 = dp + HW, *dpp = dp + 2 * HW;
  for (int64_t t = H - 1; t >= 0; --t) {
    const int64_t o = t * W;
    // delta[t,k] = g[t,k] + sum_j p_j[t+1,k-j] delta[t+1,k-j]
    for (int64_t k = 0; k < W; ++k) {
      T d = g[o + k];
      if (t + 1 < H) {
        const int64_t on = o + W;
        d += p0[on + k] * dnext[k];
        if (k + 1 < W) d += pm[on + k + 1] * dnext[k + 1];
        if (k >= 1) d += pp[on + k - 1] * dnext[k - 1];
      }
      dcur[k] = d;
    }
    const T* hp = t > 0 ? h + o - W : nullptr;
    for (int64_t k = 0; k < W; ++k) {
      const T d = dcur[k], xv = x[o + k];
      dx[o + k] = (T(1) - pm[o + k] - p0[o + k] - pp[o + k]) * d;
      const T up_l = (hp && k >= 1) ? hp[k - 1] : T(0);
      const T up_c = hp ? hp[k] : T(0);
      const T up_r = (hp && k + 1 < W) ? hp[k + 1] : T(0);
      dpm[o + k] = d * (up_l - xv);
      dp0[o + k] = d * (up_c - xv);
      dpp[o + k] = d * (up_r - xv);
    }
    std::swap(dnext, dcur);
  }
}

// OpenMP pragmas cannot sit inside the AT_DISPATCH macro's argument: loops live here.
template <typename T>
void forward_all(const T* x, const T* p, T* h, int64_t N, int64_t G, int64_t H, int64_t W) {
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t n = 0; n < N; ++n) forward_plane<T>(x + n * H * W, p + (n / G) * 3 * H * W, h + n * H * W, H, W);
}

template <typename T>
void backward_all(const T* g, const T* x, const T* p, const T* h, T* dx, T* dp, int64_t N, int64_t G,
                  int64_t H, int64_t W) {
#pragma omp parallel
  {
    std::vector<T> dnext(W), dcur(W);
#pragma omp for schedule(dynamic, 1)
    for (int64_t n = 0; n < N; ++n) {
      const int64_t o = n * H * W;
      backward_plane<T>(g + o, x + o, p + (n / G) * 3 * H * W, h + o, dx + o, dp + n * 3 * H * W, H, W,
                        dnext, dcur);
    }
  }
}

void check(const torch::Tensor& x, const torch::Tensor& p) {
  TORCH_CHECK(x.device().is_cpu() && p.device().is_cpu(), "propagate: CPU tensors expected");
  TORCH_CHECK(x.dim() == 3 && p.dim() == 4 && p.size(1) == 3, "propagate: x (N,H,W), p (M,3,H,W) expected");
  TORCH_CHECK(x.size(1) == p.size(2) && x.size(2) == p.size(3), "propagate: x and p sizes differ");
  TORCH_CHECK(p.size(0) > 0 && x.size(0) % p.size(0) == 0, "propagate: N must be a multiple of M");
  TORCH_CHECK(x.scalar_type() == p.scalar_type(), "propagate: x and p dtypes differ");
}

}  // namespace

torch::Tensor propagate_forward(torch::Tensor x, torch::Tensor p) {
  check(x, p);
  x = x.contiguous();
  p = p.contiguous();
  auto h = torch::empty_like(x);
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), G = N / p.size(0);
  if (H == 0 || W == 0) return h;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "propagate_forward", [&] {
    forward_all<scalar_t>(x.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), h.data_ptr<scalar_t>(), N, G, H, W);
  });
  return h;
}

std::vector<torch::Tensor> propagate_backward(torch::Tensor grad, torch::Tensor x, torch::Tensor p,
                                              torch::Tensor h) {
  check(x, p);
  grad = grad.contiguous();
  x = x.contiguous();
  p = p.contiguous();
  h = h.contiguous();
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), G = N / p.size(0);
  auto dx = torch::empty_like(x);
  auto dp = torch::empty({N, 3, H, W}, x.options());
  if (H == 0 || W == 0) return {dx, dp};
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "propagate_backward", [&] {
    backward_all<scalar_t>(grad.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(),
                           h.data_ptr<scalar_t>(), dx.data_ptr<scalar_t>(), dp.data_ptr<scalar_t>(), N, G, H, W);
  });
  return {dx, dp};
}

// Inference path: all four directions on image-layout weights, merged on the fly, no copies.
// x (N,H,W); p (M,4,3,H,W) with N = M*G, directions (right, left, down, up) and p[d][j] the
// weight of the neighbour at offset j across the scan (as in the Python wrapper). Returns the
// node-wise max (merge_max) or mean of the four scans. No gradient: training uses the
// autograd path (one direction at a time).
namespace {

// One direction on one plane. Rows and columns are the same scan with the strides swapped:
// t runs along the scan (rows for down/up, columns for right/left), k across it.
template <typename T>
void scan_plane(const T* x, const T* p3, T* h, int64_t H, int64_t W, int dir) {
  const int64_t HW = H * W;
  const T *pm = p3, *p0 = p3 + HW, *pp = p3 + 2 * HW;
  const bool vertical = dir >= 2, forward = dir == 0 || dir == 2;
  const int64_t nt = vertical ? H : W, nk = vertical ? W : H;
  const int64_t ts = vertical ? W : 1, ks = vertical ? 1 : W;
  for (int64_t i = 0; i < nt; ++i) {
    const int64_t t = forward ? i : nt - 1 - i;
    const T* prev = i > 0 ? h + (forward ? t - 1 : t + 1) * ts : h;  // the previous line of the scan
    for (int64_t k = 0; k < nk; ++k) {
      const int64_t o = t * ts + k * ks;
      T v = (T(1) - pm[o] - p0[o] - pp[o]) * x[o];
      if (i > 0) {  // outside the map, h is 0
        v += p0[o] * prev[k * ks];
        if (k > 0) v += pm[o] * prev[(k - 1) * ks];
        if (k + 1 < nk) v += pp[o] * prev[(k + 1) * ks];
      }
      h[o] = v;
    }
  }
}

template <typename T>
void propagate4_all(const T* x, const T* p, T* out, int64_t N, int64_t G, int64_t H, int64_t W, bool merge_max) {
  const int64_t HW = H * W;
#pragma omp parallel
  {
    std::vector<T> h(HW);
#pragma omp for schedule(dynamic, 1)
    for (int64_t n = 0; n < N; ++n) {
      T* o = out + n * HW;
      for (int d = 0; d < 4; ++d) {
        scan_plane<T>(x + n * HW, p + ((n / G) * 4 + d) * 3 * HW, h.data(), H, W, d);
        if (d == 0) {
          std::copy(h.begin(), h.end(), o);
        } else if (merge_max) {
          for (int64_t k = 0; k < HW; ++k) o[k] = std::max(o[k], h[k]);
        } else {
          for (int64_t k = 0; k < HW; ++k) o[k] += h[k];
        }
      }
      if (!merge_max)
        for (int64_t k = 0; k < HW; ++k) o[k] *= T(0.25);
    }
  }
}

}  // namespace

torch::Tensor propagate4_forward(torch::Tensor x, torch::Tensor p, bool merge_max) {
  TORCH_CHECK(x.device().is_cpu() && p.device().is_cpu(), "propagate4: CPU tensors expected");
  TORCH_CHECK(x.dim() == 3 && p.dim() == 5 && p.size(1) == 4 && p.size(2) == 3,
              "propagate4: x (N,H,W), p (M,4,3,H,W) expected");
  TORCH_CHECK(x.size(1) == p.size(3) && x.size(2) == p.size(4), "propagate4: sizes differ");
  TORCH_CHECK(p.size(0) > 0 && x.size(0) % p.size(0) == 0, "propagate4: N must be a multiple of M");
  TORCH_CHECK(x.scalar_type() == p.scalar_type(), "propagate4: dtypes differ");
  x = x.contiguous();
  p = p.contiguous();
  auto out = torch::empty_like(x);
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), G = N / p.size(0);
  if (H == 0 || W == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "propagate4_forward", [&] {
    propagate4_all<scalar_t>(x.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), N, G, H, W,
                             merge_max);
  });
  return out;
}
