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

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#ifdef __SSE__
#include <xmmintrin.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

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

// Inference path: all four directions on image-layout weights, merged on the fly, no copies of
// the caller's tensors. x (N,H,W); p (M,4,3,H,W) with N = M*G, directions (right, left, down,
// up) and p[d][j] the weight of the neighbour at offset j across the scan (as in the Python
// wrapper). Returns the node-wise max (merge_max) or mean of the four scans. No gradient:
// training uses the autograd path (one direction at a time).
//
// Every line of a scan (a row for down/up, a column for right/left) depends only on the line
// before it, so a step computes a whole line at once, contiguous, in a branch-free loop the
// compiler vectorises. Columns are not contiguous: the horizontal scans run on transposed
// copies (the weights transposed once per call, each plane once) and their merge is transposed
// back. The channels of one weight set are stepped together, line by line, so a line's weights
// are read from memory once for all of them. Each node gets the arithmetic, in the order, of
// the per-node loop this replaced (bench/propagate.py --click --against REV checks the outputs
// are the same bits; the autograd path above adds its terms in another order, so the two
// differ by rounding). A build with FMA (-mfma, -march=native) would fuse the multiply-adds
// and round differently.
namespace {

// What a scan's line does to the output: written as it is (the scan's first direction), or
// merged by max or sum into what the earlier directions left there.
enum Merge { kWrite, kMax, kAdd };

// One step of a scan: line h (n nodes) from the previous line prev (nullptr on the first line:
// outside the map h is 0), merged into o (kWrite: h is the output, o unused). Per node, in
// this order:
//   v = (1 - pm - p0 - pp) x;  v += p0 prev[k];  v += pm prev[k-1];  v += pp prev[k+1]
// with the terms of neighbours outside the line left out (the end nodes are peeled).
template <int Mode, typename T>
[[gnu::always_inline]] inline void put(T* __restrict h, T* __restrict o, int64_t k, T v) {
  h[k] = v;
  if constexpr (Mode == kMax) o[k] = std::max(o[k], v);
  if constexpr (Mode == kAdd) o[k] += v;
}

template <int Mode, typename T>
[[gnu::always_inline]] inline void scan_line(const T* __restrict x, const T* __restrict pm, const T* __restrict p0,
                                             const T* __restrict pp, const T* __restrict prev, T* __restrict h,
                                             T* __restrict o, int64_t n) {
  if (prev == nullptr) {
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) put<Mode>(h, o, k, (T(1) - pm[k] - p0[k] - pp[k]) * x[k]);
    return;
  }
  T v = (T(1) - pm[0] - p0[0] - pp[0]) * x[0];
  v += p0[0] * prev[0];
  if (n == 1) {
    put<Mode>(h, o, 0, v);
    return;
  }
  v += pp[0] * prev[1];
  put<Mode>(h, o, 0, v);
#pragma omp simd
  for (int64_t k = 1; k < n - 1; ++k) {
    T u = (T(1) - pm[k] - p0[k] - pp[k]) * x[k];
    u += p0[k] * prev[k];
    u += pm[k] * prev[k - 1];
    u += pp[k] * prev[k + 1];
    put<Mode>(h, o, k, u);
  }
  const int64_t e = n - 1;
  v = (T(1) - pm[e] - p0[e] - pp[e]) * x[e];
  v += p0[e] * prev[e];
  v += pm[e] * prev[e - 1];
  put<Mode>(h, o, e, v);
}

// b (cols, rows) = a (rows, cols) transposed, in tiles that stay in cache (4x4 blocks in SSE
// registers for float: a plain copy, values unchanged).
template <typename T>
void transpose(const T* __restrict a, T* __restrict b, int64_t rows, int64_t cols) {
  constexpr int64_t B = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += B)
    for (int64_t c0 = 0; c0 < cols; c0 += B) {
      const int64_t r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      int64_t r4 = r0, c4 = c0;
#ifdef __SSE__
      if constexpr (std::is_same_v<T, float>) {
        r4 = r0 + (r1 - r0) / 4 * 4;
        c4 = c0 + (c1 - c0) / 4 * 4;
        for (int64_t r = r0; r < r4; r += 4)
          for (int64_t c = c0; c < c4; c += 4) {
            __m128 q0 = _mm_loadu_ps(a + r * cols + c), q1 = _mm_loadu_ps(a + (r + 1) * cols + c);
            __m128 q2 = _mm_loadu_ps(a + (r + 2) * cols + c), q3 = _mm_loadu_ps(a + (r + 3) * cols + c);
            _MM_TRANSPOSE4_PS(q0, q1, q2, q3);
            _mm_storeu_ps(b + c * rows + r, q0);
            _mm_storeu_ps(b + (c + 1) * rows + r, q1);
            _mm_storeu_ps(b + (c + 2) * rows + r, q2);
            _mm_storeu_ps(b + (c + 3) * rows + r, q3);
          }
        for (int64_t c = c4; c < c1; ++c)  // the tile's last columns and rows
          for (int64_t r = r0; r < r4; ++r) b[c * rows + r] = a[r * cols + c];
      }
#endif
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r4; r < r1; ++r) b[c * rows + r] = a[r * cols + c];
    }
}

// One scan over `lines` lines of n nodes for the channels x[c], c < nc, all with the weights
// p3 (three planes of stride s), each line merged into the same line of out[c]; ring holds
// two lines per channel (kWrite: out[c] holds the scan itself). reverse: last line first.
template <int Mode, typename T>
[[gnu::always_inline]] inline void scan_lines(const T* const* x, T* const* out, int64_t nc, const T* p3, int64_t s,
                                              int64_t lines, int64_t n, bool reverse, T* ring) {
  for (int64_t i = 0; i < lines; ++i) {
    const int64_t t = reverse ? lines - 1 - i : i, o = t * n, before = reverse ? o + n : o - n;
    for (int64_t c = 0; c < nc; ++c) {
      T *cur, *r = ring + c * 2 * n;
      const T* prev;
      if constexpr (Mode == kWrite) {
        cur = out[c] + o;
        prev = i > 0 ? out[c] + before : nullptr;
      } else {
        cur = r + (i & 1) * n;
        prev = i > 0 ? r + ((i - 1) & 1) * n : nullptr;
      }
      scan_line<Mode, T>(x[c] + o, p3 + o, p3 + s + o, p3 + 2 * s + o, prev, cur, out[c] + o, n);
    }
  }
}

// The channels c0.. c0 + nc - 1 of weight set m (pt: the set's right and left weights,
// transposed), all four scans merged into out; xt, ot, ring, xs, xts, os, ots: the thread's
// buffers.
template <typename T>
[[gnu::always_inline]] inline void chunk(const T* x, const T* p, const T* pt, T* out, int64_t H, int64_t W,
                                         int64_t m, int64_t c0, int64_t nc, bool merge_max, T* xt, T* ot, T* ring,
                                         const T** xs, const T** xts, T** os, T** ots) {
  const int64_t HW = H * W;
  for (int64_t c = 0; c < nc; ++c) {
    xs[c] = x + (c0 + c) * HW;
    os[c] = out + (c0 + c) * HW;
    xts[c] = xt + c * HW;
    ots[c] = ot + c * HW;
    transpose<T>(xs[c], xt + c * HW, H, W);
  }
  const T* pr = pt;
  const T* pl = pr + 3 * HW;
  // right then left: lines are columns, rows of the transposed planes
  scan_lines<kWrite, T>(xts, ots, nc, pr, HW, W, H, false, ring);
  if (merge_max)
    scan_lines<kMax, T>(xts, ots, nc, pl, HW, W, H, true, ring);
  else
    scan_lines<kAdd, T>(xts, ots, nc, pl, HW, W, H, true, ring);
  for (int64_t c = 0; c < nc; ++c) transpose<T>(ots[c], os[c], W, H);
  for (int d = 2; d < 4; ++d) {  // down, up
    const T* pd = p + (m * 4 + d) * 3 * HW;
    if (merge_max)
      scan_lines<kMax, T>(xs, os, nc, pd, HW, H, W, d == 3, ring);
    else
      scan_lines<kAdd, T>(xs, os, nc, pd, HW, H, W, d == 3, ring);
  }
  if (!merge_max)
    for (int64_t c = 0; c < nc; ++c) {
      T* oc = os[c];
#pragma omp simd
      for (int64_t k = 0; k < HW; ++k) oc[k] *= T(0.25);
    }
}

// The same code compiled twice: for the baseline x86-64 (SSE2, 4 floats a vector) and, chosen
// at run time, for AVX2 (8). AVX2 alone has no fused multiply-add, so both round every
// operation as the per-node loop did: the results are the same bits.
template <typename T>
void chunk_baseline(const T* x, const T* p, const T* pt, T* out, int64_t H, int64_t W, int64_t m, int64_t c0,
                    int64_t nc, bool merge_max, T* xt, T* ot, T* ring, const T** xs, const T** xts, T** os, T** ots) {
  chunk<T>(x, p, pt, out, H, W, m, c0, nc, merge_max, xt, ot, ring, xs, xts, os, ots);
}

#if defined(__GNUC__) && defined(__x86_64__)
#define VISAGE_PROPAGATE_AVX2 1
template <typename T>
__attribute__((target("avx2"))) void chunk_avx2(const T* x, const T* p, const T* pt, T* out, int64_t H, int64_t W,
                                                int64_t m, int64_t c0, int64_t nc, bool merge_max, T* xt, T* ot,
                                                T* ring, const T** xs, const T** xts, T** os, T** ots) {
  chunk<T>(x, p, pt, out, H, W, m, c0, nc, merge_max, xt, ot, ring, xs, xts, os, ots);
}
#endif

template <typename T>
void propagate4_all(const T* x, const T* p, T* out, int64_t N, int64_t G, int64_t H, int64_t W, bool merge_max) {
  const int64_t HW = H * W, M = N / G, L = std::max(H, W);
#ifdef _OPENMP
  const int64_t threads = std::max(1, omp_get_max_threads());
#else
  const int64_t threads = 1;
#endif
  auto run = chunk_baseline<T>;
#ifdef VISAGE_PROPAGATE_AVX2
  if (__builtin_cpu_supports("avx2")) run = chunk_avx2<T>;
#endif
  // Channels of one weight set share a chunk (its weights read once per line), never
  // straddling two weight sets: about N / (2 threads) channels per chunk, so that a thread
  // the machine holds back (other processes) is not waited for with a whole half of the work.
  const int64_t cb = std::min(G, std::max<int64_t>(1, (N + 2 * threads - 1) / (2 * threads)));
  const int64_t per_set = (G + cb - 1) / cb, chunks = M * per_set;
  std::unique_ptr<T[]> pt(new T[M * 2 * 3 * HW]);  // right and left weights, transposed: (M, 2, 3, W, H)
#pragma omp parallel num_threads(std::min(threads, std::max(chunks, M * 6)))
  {
#pragma omp for schedule(static)
    for (int64_t q = 0; q < M * 6; ++q) {
      const int64_t m = q / 6, d = (q % 6) / 3, j = q % 3;
      transpose<T>(p + ((m * 4 + d) * 3 + j) * HW, pt.get() + q * HW, H, W);
    }
    std::unique_ptr<T[]> xt(new T[cb * HW]), ot(new T[cb * HW]), ring(new T[cb * 2 * L]);
    std::vector<const T*> xs(cb), xts(cb);
    std::vector<T*> os(cb), ots(cb);
#pragma omp for schedule(dynamic, 1)
    for (int64_t q = 0; q < chunks; ++q) {
      const int64_t m = q / per_set, c0 = m * G + (q % per_set) * cb, nc = std::min(cb, (m + 1) * G - c0);
      run(x, p, pt.get() + m * 6 * HW, out, H, W, m, c0, nc, merge_max, xt.get(), ot.get(), ring.get(), xs.data(),
          xts.data(), os.data(), ots.data());
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
  if (N == 0 || H == 0 || W == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "propagate4_forward", [&] {
    propagate4_all<scalar_t>(x.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), N, G, H, W,
                             merge_max);
  });
  return out;
}
