// Forward warping by bilinear splatting (Sevastopolskiy 2019), with a soft z-buffer.
//
// Every source pixel p = (y, x) goes to the target position (u_p, v_p) and is splatted onto
// the four pixels around it with bilinear weights K. With a depth map z, each splat is also
// weighted by D = exp(-(z_p - zmin_q) / tau), zmin_q the nearest depth splatted onto target
// pixel q (a first pass), so a near surface (the nose) hides a far one (the cheek behind it)
// instead of blending with it. Then
//     y_q = sum_p x_p K_pq D_pq / (w_q + eps),   w_q = sum_p K_pq D_pq,   hole_q = (w_q == 0).
//
// Atomic-free and deterministic: each band of target rows is owned by one thread (see
// warp_forward_bands), and every sum runs in source order whatever the thread count.
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

// Band-owned accumulation: the target is cut into bands of rows; each band is accumulated by one
// thread in a small buffer that stays in its L2 cache, from the source rows whose splats reach the
// band (a smooth field reaches about one band per source row), then normalised straight into the
// output. No image-sized accumulator is allocated, zeroed or read twice (that was most of the time
// of a 4 MP warp: first-touch page faults alone cost ~25 ms), no two threads write the same pixel,
// and each sum runs in source order whatever the thread count.

// Pixel access for the two layouts the op takes: planar (C, H, W) floats, interleaved (H, W, C) bytes.
template <typename S, bool Planar>
struct Pixels {
  const S* p;
  int64_t n, C;
  template <typename T>
  inline T at(int64_t i, int64_t c) const { return T(Planar ? p[c * n + i] : p[i * C + c]); }
};

// Rows of the target each source row may reach ([lo, hi], lo > hi when none). Only v is read
// (half the traffic of reading the field): a row is listed if any of its v splats into the
// target's rows, whatever its u; pixels that miss in u are skipped when splatting.
template <typename T>
std::vector<std::pair<int64_t, int64_t>> row_reach(const T* v, int64_t H, int64_t W, int64_t Ho) {
  std::vector<std::pair<int64_t, int64_t>> reach(H);
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < H; ++r) {
    // floor(v) >= -1 <=> v >= -1 and floor(v) < Ho <=> v < Ho: no floor per pixel needed.
    const T* vr = v + r * W;
    T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();
    for (int64_t x = 0; x < W; ++x) {
      const bool in = vr[x] >= -1 && vr[x] < T(Ho);  // NaN fails
      lo = std::min(lo, in ? vr[x] : std::numeric_limits<T>::infinity());
      hi = std::max(hi, in ? vr[x] : -std::numeric_limits<T>::infinity());
    }
    reach[r] = lo > hi ? std::pair<int64_t, int64_t>{1, 0}
                       : std::pair<int64_t, int64_t>{std::max<int64_t>(int64_t(std::floor(lo)), 0),
                                                     std::min<int64_t>(int64_t(std::floor(hi)) + 1, Ho - 1)};
  }
  return reach;
}

// Integer cell and fraction of a coordinate t >= -1 (the only ones that splat) without floor():
// t + 1 >= 0 truncates to its floor. The fraction is taken from t + 1, so it is exact for that
// number and always in [0, 1); where t + 1 rounded up to an integer the splat moves by < 1 ulp.
template <typename T>
inline int64_t cell(T t, T& frac) {
  const T s = t + 1;
  const int64_t i = int64_t(s);
  frac = s - T(i);
  return i - 1;
}

// Four values of T in one vector register (SSE on any x86-64): colour + weight of one target pixel.
template <typename T> struct V4;
template <> struct V4<float> { typedef float type __attribute__((vector_size(16), aligned(4))); };
template <> struct V4<double> { typedef double type __attribute__((vector_size(32), aligned(8))); };
template <typename T>
using Vec4 = typename V4<T>::type;

// exp(x) for x <= 0, four at a time (float): x = n ln2 + r, |r| <= ln2/2, exp(r) by its degree-6
// Taylor polynomial (relative error < 2e-7), 2^n built in the exponent bits. Below -80 the
// result is ~1e-35 instead of smaller: a weight that small changes nothing. A library expf per
// tap was most of the z-buffer pass's time.
inline Vec4<float> exp_nonpositive(Vec4<float> x) {
  typedef int32_t I4 __attribute__((vector_size(16)));
  x = x < -80.f ? -80.f : x;
  const I4 n = __builtin_convertvector(x * 1.44269504f - 0.5f, I4);  // round(x / ln2): x <= 0
  const Vec4<float> nf = __builtin_convertvector(n, Vec4<float>);
  const Vec4<float> r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;  // ln2 in two parts
  // Estrin's scheme: the same polynomial with half the dependent steps of Horner's.
  const Vec4<float> r2 = r * r;
  const Vec4<float> q = (r * (1.f / 120) + 1.f / 24) + r2 * (1.f / 720);
  const Vec4<float> p = (r + 1.f) + r2 * ((r * (1.f / 6) + 0.5f) + r2 * q);
  Vec4<float> scale;
  const I4 bits = (n + 127) << 23;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The band's view of one source row: the splats of the row that land in target rows [r0, r1).
// Depth pass: keeps the nearest z per target pixel (taps with K > 0 only).
template <typename T>
inline void band_depth_row(const T* __restrict u, const T* __restrict v, const T* __restrict z, T* __restrict zm,
                           int64_t W, int64_t Wo, int64_t Ho, int64_t r0, int64_t r1) {
  for (int64_t x = 0; x < W; ++x) {
    const T uu = u[x], vv = v[x];
    if (!(uu >= -1 && uu < T(Wo) && vv >= -1 && vv < T(Ho))) continue;
    T a, b;
    const int64_t i0 = cell(uu, a), j0 = cell(vv, b);
    const bool top = j0 >= r0 && j0 < r1 && b < 1, bottom = j0 + 1 >= r0 && j0 + 1 < r1 && b > 0;
    const bool left = i0 >= 0 && a < 1, right = i0 + 1 < Wo && a > 0;  // taps with K > 0 only
    T* m = zm + (j0 - r0) * Wo + i0;  // used only where in the band
    const T zx = z[x];
    if (top && left) m[0] = std::min(m[0], zx);
    if (top && right) m[1] = std::min(m[1], zx);
    if (bottom && left) m[Wo] = std::min(m[Wo], zx);
    if (bottom && right) m[Wo + 1] = std::min(m[Wo + 1], zx);
  }
}

// Colour pass: adds K D x and K D into acc (S = C + 1 values per pixel); z == nullptr: no depth.
template <typename T, int CC, typename Src>
inline void band_colour_row(const Src& src, int64_t p0, const T* __restrict u, const T* __restrict v,
                            const T* __restrict z, const T* __restrict zm, T* __restrict acc, int64_t Cdyn, int64_t W,
                            int64_t Wo, int64_t Ho, int64_t r0, int64_t r1, T inv_tau) {
  const int64_t C = CC > 0 ? CC : Cdyn, S = C + 1;
  T px[CC > 0 ? CC : 16] = {};
  for (int64_t x = 0; x < W; ++x) {
    const T uu = u[x], vv = v[x];
    if (!(uu >= -1 && uu < T(Wo) && vv >= -1 && vv < T(Ho))) continue;  // NaN fails too
    T a, b;
    const int64_t i0 = cell(uu, a), j0 = cell(vv, b);
    const bool top = j0 >= r0 && j0 < r1, bottom = j0 + 1 >= r0 && j0 + 1 < r1;
    if (!top && !bottom) continue;
    const bool left = i0 >= 0, right = i0 + 1 < Wo;
    T k[4] = {(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b};
    const bool in[4] = {top && left, top && right, bottom && left, bottom && right};
    const int64_t q0 = (j0 - r0) * Wo + i0;  // may point outside the band; used only where in[t]
    const int64_t dq[4] = {0, 1, Wo, Wo + 1};
    if (z) {  // splats behind the nearest surface here are weakened by exp(-dz / tau)
      if constexpr (std::is_same_v<T, float>) {  // the four exps as one vector
        Vec4<float> d;
        for (int t = 0; t < 4; ++t) d[t] = in[t] ? std::max(0.f, z[x] - zm[q0 + dq[t]]) : 0.f;
        const Vec4<float> f = exp_nonpositive(-d * inv_tau);
        for (int t = 0; t < 4; ++t) k[t] *= f[t];
      } else {
        for (int t = 0; t < 4; ++t) {
          if (!in[t]) continue;
          const T d = z[x] - zm[q0 + dq[t]];
          if (d > 0) k[t] *= std::exp(-d * inv_tau);
        }
      }
    }
    if constexpr (CC == 3) {  // RGB + weight: one vector multiply-add per tap
      const Vec4<T> px4 = {src.template at<T>(p0 + x, 0), src.template at<T>(p0 + x, 1),
                           src.template at<T>(p0 + x, 2), 1};
      if (in[0] && in[1] && in[2] && in[3]) {
        for (int t = 0; t < 4; ++t) *reinterpret_cast<Vec4<T>*>(acc + (q0 + dq[t]) * 4) += k[t] * px4;
      } else {
        for (int t = 0; t < 4; ++t)
          if (in[t]) *reinterpret_cast<Vec4<T>*>(acc + (q0 + dq[t]) * 4) += k[t] * px4;
      }
    } else {
      for (int64_t c = 0; c < C; ++c) px[c] = src.template at<T>(p0 + x, c);
      for (int t = 0; t < 4; ++t) {
        if (!in[t]) continue;
        T* aq = acc + (q0 + dq[t]) * S;
        for (int64_t c = 0; c < C; ++c) aq[c] += k[t] * px[c];
        aq[C] += k[t];
      }
    }
  }
}

// Writes every band through store(first target pixel, acc, count), and w_out and (if given) zm_out.
template <typename T, int CC, typename Src, typename Store>
void warp_forward_bands(const Src& x, const T* u, const T* v, const T* zp, int64_t Cdyn, int64_t H, int64_t W,
                        int64_t Ho, int64_t Wo, T inv_tau, T* w_out, T* zm_out, Store store,
                        bool* holes_out = nullptr) {
  const int64_t C = CC > 0 ? CC : Cdyn, S = C + 1;
  const auto reach = row_reach(v, H, W, Ho);
  // ~384 KB of accumulator per band: in L2 with room for the source rows streaming through.
  const int64_t B = std::max<int64_t>(4, std::min<int64_t>(Ho, (384 << 10) / (Wo * S * int64_t(sizeof(T)))));
  const int64_t nb = (Ho + B - 1) / B;
#pragma omp parallel
  {
    std::vector<T> acc_buf(B * Wo * S), zm_buf(zp ? B * Wo : 0);
    T* acc = acc_buf.data();
    T* zm = zp ? zm_buf.data() : nullptr;
    std::vector<int64_t> rows;
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < nb; ++b) {
      const int64_t r0 = b * B, r1 = std::min(Ho, r0 + B), m = (r1 - r0) * Wo;
      rows.clear();
      for (int64_t r = 0; r < H; ++r)
        if (reach[r].first <= reach[r].second && reach[r].second >= r0 && reach[r].first < r1) rows.push_back(r);
      std::fill(acc, acc + m * S, T(0));
      if (zp) {
        std::fill(zm, zm + m, std::numeric_limits<T>::infinity());
        for (const int64_t r : rows) band_depth_row(u + r * W, v + r * W, zp + r * W, zm, W, Wo, Ho, r0, r1);
      }
      for (const int64_t r : rows)
        band_colour_row<T, CC>(x, r * W, u + r * W, v + r * W, zp ? zp + r * W : nullptr, zm, acc, C, W, Wo, Ho, r0,
                               r1, inv_tau);
      store(r0 * Wo, acc, m);
      if (w_out)
        for (int64_t q = 0; q < m; ++q) w_out[r0 * Wo + q] = acc[q * S + C];
      if (holes_out)
        for (int64_t q = 0; q < m; ++q) holes_out[r0 * Wo + q] = acc[q * S + C] == 0;
      if (zm_out) std::copy(zm, zm + m, zm_out + r0 * Wo);
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

// C known at compile time for the usual channel counts (grey, RGB, RGBA, and the 5 of a source
// map: position, way back and its square, ops/warp.py's splat_source_map).
template <typename F>
void by_channels(int64_t C, F&& run) {
  if (C == 1) run(std::integral_constant<int, 1>{});
  else if (C == 3) run(std::integral_constant<int, 3>{});
  else if (C == 4) run(std::integral_constant<int, 4>{});
  else if (C == 5) run(std::integral_constant<int, 5>{});
  else run(std::integral_constant<int, 0>{});
}

void check_field(const torch::Tensor& target, const torch::Tensor& z, int64_t H, int64_t W, int64_t Ho, int64_t Wo,
                 double tau, double eps) {
  TORCH_CHECK(target.dim() == 3 && target.size(0) == 2 && target.size(1) == H && target.size(2) == W,
              "forward_warp: target must be (2, H, W) like the image");
  TORCH_CHECK(z.numel() == 0 || (z.dim() == 2 && z.size(0) == H && z.size(1) == W), "forward_warp: z (H,W)");
  TORCH_CHECK(tau > 0 && eps >= 0 && Ho > 0 && Wo > 0, "forward_warp: bad parameters");
}

}  // namespace

// x (C,H,W), target (2,H,W) = (u, v) target pixel coordinates, z (H,W) or empty; float or double.
// Returns (y (C,Ho,Wo), w (Ho,Wo), zmin (Ho,Wo), +inf where nothing landed; empty without z).
std::vector<torch::Tensor> forward_warp(torch::Tensor x, torch::Tensor target, torch::Tensor z, int64_t Ho,
                                        int64_t Wo, double tau, double eps) {
  TORCH_CHECK(x.dim() == 3, "forward_warp: x (C,H,W)");
  TORCH_CHECK(x.scalar_type() == target.scalar_type(), "forward_warp: x and target dtypes differ");
  check_field(target, z, x.size(1), x.size(2), Ho, Wo, tau, eps);
  const int64_t C = x.size(0), n = x.size(1) * x.size(2), m = Ho * Wo;
  TORCH_CHECK(C <= 16, "forward_warp: at most 16 channels");
  x = x.contiguous();
  target = target.contiguous();
  const bool depth = z.numel() > 0;
  if (depth) z = z.contiguous().to(x.scalar_type());
  auto y = torch::empty({C, Ho, Wo}, x.options());
  auto w = torch::empty({Ho, Wo}, x.options());
  auto zmin = depth ? torch::empty({Ho, Wo}, x.options()) : torch::empty({0}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "forward_warp", [&] {
    const scalar_t* u = target.data_ptr<scalar_t>();
    scalar_t* yp = y.data_ptr<scalar_t>();
    by_channels(C, [&](auto cc) {
      constexpr int CC = decltype(cc)::value;
      warp_forward_bands<scalar_t, CC>(
          Pixels<scalar_t, true>{x.data_ptr<scalar_t>(), n, C}, u, u + n, depth ? z.data_ptr<scalar_t>() : nullptr,
          C, x.size(1), x.size(2), Ho, Wo, scalar_t(1.0 / tau), w.data_ptr<scalar_t>(),
          depth ? zmin.data_ptr<scalar_t>() : nullptr, [yp, m, C, e = scalar_t(eps)](int64_t q0, const scalar_t* a, int64_t k) {
            const int64_t Cn = CC > 0 ? CC : C, S = Cn + 1;
            for (int64_t q = 0; q < k; ++q) {
              const scalar_t d = a[q * S + Cn] + e, inv = d > 0 ? scalar_t(1) / d : scalar_t(0);
              for (int64_t c = 0; c < Cn; ++c) yp[c * m + q0 + q] = a[q * S + c] * inv;
            }
          });
    });
  });
  return {y, w, zmin};
}

// The product's path: an 8-bit photo (H,W,C) in, an 8-bit photo (Ho,Wo,C) out (rounded), with
// float32 target/z. Same sums as forward_warp in float32; no float copy of the photo is made.
// Returns (image (Ho,Wo,C) uint8, holes (Ho,Wo) bool = (w == 0), w (Ho,Wo) float32 if with_weight
// else empty: 16 MB less to write for a 4 MP photo when the caller needs only the holes).
std::vector<torch::Tensor> forward_warp_u8(torch::Tensor img, torch::Tensor target, torch::Tensor z, int64_t Ho,
                                           int64_t Wo, double tau, double eps, bool with_weight) {
  TORCH_CHECK(img.dim() == 3 && img.scalar_type() == torch::kUInt8, "forward_warp_u8: image (H,W,C) uint8");
  TORCH_CHECK(target.scalar_type() == torch::kFloat32, "forward_warp_u8: target float32");
  check_field(target, z, img.size(0), img.size(1), Ho, Wo, tau, eps);
  const int64_t C = img.size(2), n = img.size(0) * img.size(1);
  TORCH_CHECK(C <= 16, "forward_warp_u8: at most 16 channels");
  img = img.contiguous();
  target = target.contiguous();
  const bool depth = z.numel() > 0;
  if (depth) z = z.contiguous().to(torch::kFloat32);
  auto out = torch::empty({Ho, Wo, C}, img.options());
  auto w = with_weight ? torch::empty({Ho, Wo}, target.options()) : torch::empty({0}, target.options());
  auto holes = torch::empty({Ho, Wo}, img.options().dtype(torch::kBool));
  const float* u = target.data_ptr<float>();
  uint8_t* op = out.data_ptr<uint8_t>();
  by_channels(C, [&](auto cc) {
    constexpr int CC = decltype(cc)::value;
    warp_forward_bands<float, CC>(
        Pixels<uint8_t, false>{img.data_ptr<uint8_t>(), n, C}, u, u + n, depth ? z.data_ptr<float>() : nullptr, C,
        img.size(0), img.size(1), Ho, Wo, float(1.0 / tau), with_weight ? w.data_ptr<float>() : nullptr, nullptr,
        [op, C, e = float(eps)](int64_t q0, const float* a, int64_t k) {
          const int64_t Cn = CC > 0 ? CC : C, S = Cn + 1;
          uint8_t* o = op + q0 * Cn;  // bytes may alias anything: keep every pointer local
          int64_t q = 0;
          if constexpr (CC == 3) {  // four pixels a step: one vector division for their weights
            using V = Vec4<float>;
            for (; q + 4 <= k; q += 4) {
              const V* a4 = reinterpret_cast<const V*>(a + q * 4);
              const V d = V{a4[0][3], a4[1][3], a4[2][3], a4[3][3]} + e;
              const V inv = d > 0 ? 1.f / d : V{0, 0, 0, 0};
              for (int t = 0; t < 4; ++t) {
                V r = a4[t] * inv[t] + 0.5f;
                r = r < 0.f ? 0.f : (r > 255.f ? 255.f : r);
                const auto ri = __builtin_convertvector(r, int __attribute__((vector_size(16))));
                uint8_t* ot = o + (q + t) * 3;
                ot[0] = uint8_t(ri[0]); ot[1] = uint8_t(ri[1]); ot[2] = uint8_t(ri[2]);
              }
            }
          }
          for (; q < k; ++q) {
            const float d = a[q * S + Cn] + e, inv = d > 0 ? 1.f / d : 0.f;
            for (int64_t c = 0; c < Cn; ++c)
              o[q * Cn + c] = uint8_t(std::min(255.f, std::max(0.f, a[q * S + c] * inv + 0.5f)));
          }
        },
        holes.data_ptr<bool>());
  });
  return {out, holes, w};
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
