// Forward warping by bilinear splatting (Sevastopolskiy 2019), with a soft z-buffer.
//
// Every source pixel p = (y, x) goes to the target position (u_p, v_p) and is splatted onto
// the four pixels around it with bilinear weights K. With a depth map z, each splat is also
// weighted by D = exp(-(z_p - zmin_q) / tau), zmin_q the nearest depth splatted onto target
// pixel q (a first pass), so a near surface (the nose) hides a far one (the cheek behind it)
// instead of blending with it. Then
//     y_q = sum_p x_p K_pq D_pq / (w_q + eps),   w_q = sum_p K_pq D_pq,   hole_q = (w_q == 0).
//
// Atomic-free: source rows are processed in chunks scheduled so that chunks running at the
// same time never write the same target row (see colour_chunks), and every sum runs in the same
// order whatever the thread count.
// The backward pass is a gather per source pixel and needs no such care.
//
// Twin: inference/ops/warp.py::forward_warp_reference.
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

// The four splat targets of a source and their bilinear weights (0 outside the target).
template <typename T>
struct Splat {
  int64_t q[4];
  T k[4];
  T dku[4], dkv[4];  // dK/du, dK/dv
};

template <typename T>
inline Splat<T> splat(T u, T v, int64_t Ho, int64_t Wo) {
  Splat<T> s;
  const T fu = std::floor(u), fv = std::floor(v);
  const T a = u - fu, b = v - fv;
  const int64_t i0 = int64_t(fu), j0 = int64_t(fv);
  const T ku[2] = {1 - a, a}, kv[2] = {1 - b, b};
  const T du[2] = {-1, 1}, dv[2] = {-1, 1};
  for (int t = 0; t < 4; ++t) {
    const int di = t & 1, dj = t >> 1;
    const int64_t i = i0 + di, j = j0 + dj;
    const bool in = i >= 0 && i < Wo && j >= 0 && j < Ho;
    s.q[t] = in ? j * Wo + i : -1;
    s.k[t] = in ? ku[di] * kv[dj] : T(0);
    s.dku[t] = in ? du[di] * kv[dj] : T(0);
    s.dkv[t] = in ? ku[di] * dv[dj] : T(0);
  }
  return s;
}

// Source rows are cut into chunks of kChunkRows; each chunk writes only into the target rows its
// splats reach. Chunks are coloured greedily (in order) so that chunks of one colour touch
// disjoint target rows; colours run one after the other, the chunks of a colour in parallel.
// For the smooth fields of a head turn that is two colours; a wild field only costs speed.
constexpr int64_t kChunkRows = 16;

template <typename T>
std::vector<std::vector<int64_t>> colour_chunks(const T* v, int64_t H, int64_t W, int64_t Ho,
                                                std::vector<std::pair<int64_t, int64_t>>& range) {
  const int64_t nc = (H + kChunkRows - 1) / kChunkRows;
  range.assign(nc, {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < nc; ++c) {
    T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();
    const T* vp = v + c * kChunkRows * W;
    const int64_t cnt = std::min(kChunkRows, H - c * kChunkRows) * W;
    for (int64_t k = 0; k < cnt; ++k) {
      const T f = vp[k];
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    if (hi >= -1 && lo < Ho)  // NaNs never pass the comparisons above and are skipped later
      range[c] = {std::max<int64_t>(0, int64_t(std::floor(std::max<T>(lo, -1)))),
                  std::min<int64_t>(Ho - 1, int64_t(std::floor(std::min<T>(hi, T(Ho)))) + 1)};
  }
  std::vector<std::vector<int64_t>> colours;
  std::vector<std::vector<std::pair<int64_t, int64_t>>> used;
  for (int64_t c = 0; c < nc; ++c) {
    if (range[c].first > range[c].second) continue;  // nothing lands in the target
    size_t g = 0;
    for (; g < colours.size(); ++g) {
      bool free = true;
      for (auto& iv : used[g])
        if (!(range[c].second < iv.first || range[c].first > iv.second)) { free = false; break; }
      if (free) break;
    }
    if (g == colours.size()) { colours.emplace_back(); used.emplace_back(); }
    colours[g].push_back(c);
    used[g].push_back(range[c]);
  }
  return colours;
}

// ap: (Ho, Wo, C + 1) zeros; on return the colours are normalised in place and the last
// channel holds the weight w.
template <typename T, int CC>
void warp_forward_impl(const T* xp, const T* u, const T* v, const T* zp, T* ap, T* zm, int64_t Cdyn,
                       int64_t H, int64_t W, int64_t Ho, int64_t Wo, T inv_tau, T e) {
  const int64_t C = CC > 0 ? CC : Cdyn, S = C + 1, n = H * W, m = Ho * Wo;
  std::vector<std::pair<int64_t, int64_t>> range;
  const auto colours = colour_chunks(v, H, W, Ho, range);
  if (zp)
    for (const auto& group : colours) {
#pragma omp parallel for schedule(dynamic, 1)
      for (size_t gi = 0; gi < group.size(); ++gi) {
        const int64_t p0 = group[gi] * kChunkRows * W, p1 = std::min(n, p0 + kChunkRows * W);
        for (int64_t p = p0; p < p1; ++p) {
          const T fu = std::floor(u[p]), fv = std::floor(v[p]);
          if (!(fu >= -1 && fu < Wo && fv >= -1 && fv < Ho)) continue;
          const Splat<T> s = splat(u[p], v[p], Ho, Wo);
          for (int t = 0; t < 4; ++t)
            if (s.q[t] >= 0 && s.k[t] > 0) zm[s.q[t]] = std::min(zm[s.q[t]], zp[p]);
        }
      }
    }
  // Interleaved accumulators (colour channels then weight): a splat touches two cache lines.
  for (const auto& group : colours) {
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t gi = 0; gi < group.size(); ++gi) {
      const int64_t p0 = group[gi] * kChunkRows * W, p1 = std::min(n, p0 + kChunkRows * W);
      T px[CC > 0 ? CC : 16];
      for (int64_t p = p0; p < p1; ++p) {
        const T uu = u[p], vv = v[p];
        const T fu = std::floor(uu), fv = std::floor(vv);
        if (!(fu >= -1 && fu < Wo && fv >= -1 && fv < Ho)) continue;
        if (CC > 0) {
          for (int64_t c = 0; c < C; ++c) px[c] = xp[c * n + p];
        }
        const T a = uu - fu, b = vv - fv;
        const int64_t i0 = int64_t(fu), j0 = int64_t(fv);
        const T kw[4] = {(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b};
        for (int t = 0; t < 4; ++t) {
          const int64_t i = i0 + (t & 1), j = j0 + (t >> 1);
          if (i < 0 || i >= Wo || j < 0 || j >= Ho) continue;
          const int64_t q = j * Wo + i;
          T kd = kw[t];
          if (zp) {
            const T dz = zp[p] - zm[q];
            if (dz > 0) kd *= std::exp(-dz * inv_tau);  // behind the nearest surface here
          }
          T* aq = ap + q * S;
          if (CC > 0) {
            for (int64_t c = 0; c < C; ++c) aq[c] += kd * px[c];
          } else {
            for (int64_t c = 0; c < C; ++c) aq[c] += kd * xp[c * n + p];
          }
          aq[C] += kd;
        }
      }
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < m; ++q) {
    T* aq = ap + q * S;
    const T d = aq[C] + e;
    if (d > 0) {
      const T inv = T(1) / d;
      for (int64_t c = 0; c < C; ++c) aq[c] *= inv;
    }
  }
}

template <typename T>
void warp_backward_impl(const T* g, const T* xp, const T* u, const T* v, const T* zp, const T* yp, const T* wp,
                        const T* zm, T* dxp, T* du, T* dv, int64_t C, int64_t n, int64_t Ho, int64_t Wo, T inv_tau,
                        T e) {
  const int64_t m = Ho * Wo;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < n; ++p) {
    const T fu = std::floor(u[p]), fv = std::floor(v[p]);
    if (!(fu >= -1 && fu < Wo && fv >= -1 && fv < Ho)) continue;
    const Splat<T> s = splat(u[p], v[p], Ho, Wo);
    T gu = 0, gv = 0;
    for (int t = 0; t < 4; ++t) {
      const int64_t q = s.q[t];
      if (q < 0) continue;
      const T dq = zp ? std::exp(-(zp[p] - zm[q]) * inv_tau) : T(1);
      const T inv = T(1) / (wp[q] + e);
      T dot = 0;  // sum_c g (x_p - y_q)
      for (int64_t c = 0; c < C; ++c) {
        const T gc = g[c * m + q];
        dxp[c * n + p] += gc * s.k[t] * dq * inv;
        dot += gc * (xp[c * n + p] - yp[c * m + q]);
      }
      gu += dot * dq * inv * s.dku[t];
      gv += dot * dq * inv * s.dkv[t];
    }
    du[p] = gu;
    dv[p] = gv;
  }
}

}  // namespace

// x (C,H,W), target (2,H,W) = (u, v) target pixel coordinates, z (H,W) or empty; float or double.
// Returns (y (C,Ho,Wo), w (Ho,Wo), zmin (Ho,Wo), +inf where nothing landed; empty without z).
// y and w are views of one interleaved buffer (y is not contiguous).
std::vector<torch::Tensor> forward_warp(torch::Tensor x, torch::Tensor target, torch::Tensor z, int64_t Ho,
                                        int64_t Wo, double tau, double eps) {
  TORCH_CHECK(x.dim() == 3 && target.dim() == 3 && target.size(0) == 2, "forward_warp: x (C,H,W), target (2,H,W)");
  TORCH_CHECK(x.size(1) == target.size(1) && x.size(2) == target.size(2), "forward_warp: sizes differ");
  TORCH_CHECK(x.scalar_type() == target.scalar_type(), "forward_warp: x and target dtypes differ");
  const bool depth = z.numel() > 0;
  TORCH_CHECK(!depth || (z.dim() == 2 && z.size(0) == x.size(1) && z.size(1) == x.size(2)), "forward_warp: z (H,W)");
  TORCH_CHECK(tau > 0 && eps >= 0 && Ho > 0 && Wo > 0, "forward_warp: bad parameters");
  x = x.contiguous();
  target = target.contiguous();
  if (depth) z = z.contiguous().to(x.scalar_type());
  const int64_t C = x.size(0), n = x.size(1) * x.size(2);
  // One interleaved buffer (Ho, Wo, C + 1) holds the result and the weights; y and w are views.
  auto acc = torch::zeros({Ho, Wo, C + 1}, x.options());
  auto zmin = depth ? torch::full({Ho, Wo}, std::numeric_limits<double>::infinity(), x.options())
                    : torch::empty({0}, x.options());
  TORCH_CHECK(C <= 16, "forward_warp: at most 16 channels");
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "forward_warp", [&] {
    const scalar_t* u = target.data_ptr<scalar_t>();
    const scalar_t* zptr = depth ? z.data_ptr<scalar_t>() : nullptr;
    auto run = [&](auto cc) {
      warp_forward_impl<scalar_t, decltype(cc)::value>(
          x.data_ptr<scalar_t>(), u, u + n, zptr, acc.data_ptr<scalar_t>(),
          depth ? zmin.data_ptr<scalar_t>() : nullptr, C, x.size(1), x.size(2), Ho, Wo, scalar_t(1.0 / tau),
          scalar_t(eps));
    };
    if (C == 1) run(std::integral_constant<int, 1>{});
    else if (C == 3) run(std::integral_constant<int, 3>{});
    else if (C == 4) run(std::integral_constant<int, 4>{});
    else run(std::integral_constant<int, 0>{});
  });
  return {acc.narrow(2, 0, C).permute({2, 0, 1}), acc.select(2, C), zmin};
}

// Gradients of y with respect to x and to the target positions (zmin held fixed).
std::vector<torch::Tensor> forward_warp_backward(torch::Tensor grad_y, torch::Tensor x, torch::Tensor target,
                                                 torch::Tensor z, torch::Tensor y, torch::Tensor w,
                                                 torch::Tensor zmin, double tau, double eps) {
  grad_y = grad_y.contiguous(); x = x.contiguous(); target = target.contiguous();
  y = y.contiguous(); w = w.contiguous(); zmin = zmin.contiguous();
  const bool depth = z.numel() > 0;
  if (depth) z = z.contiguous().to(x.scalar_type());
  const int64_t C = x.size(0), n = x.size(1) * x.size(2), Ho = y.size(1), Wo = y.size(2);
  auto dx = torch::zeros_like(x);
  auto dt = torch::zeros_like(target);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "forward_warp_backward", [&] {
    const scalar_t* u = target.data_ptr<scalar_t>();
    scalar_t* du = dt.data_ptr<scalar_t>();
    warp_backward_impl<scalar_t>(grad_y.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), u, u + n,
                                 depth ? z.data_ptr<scalar_t>() : nullptr, y.data_ptr<scalar_t>(),
                                 w.data_ptr<scalar_t>(), depth ? zmin.data_ptr<scalar_t>() : nullptr,
                                 dx.data_ptr<scalar_t>(), du,
                                 du + n, C, n, Ho, Wo, scalar_t(1.0 / tau), scalar_t(eps));
  });
  return {dx, dt};
}
