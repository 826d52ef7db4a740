package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.util.VectorUtil;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The exact Hamming scan kernel against the machine's sequential read rate over the same bytes, single thread, same
 * run: packed 384-bit vectors (6 longs each) of random bits, one query, every vector's distance computed and folded
 * into a sum and a minimum (so nothing is optimized away; a top-k would add a compare per vector).
 * <ul>
 * <li>sequential read: sum of the same long[] with four accumulators (the best rate a plain Java loop reads at);</li>
 * <li>Long.bitCount: {@code Long.bitCount(x ^ q)} over the 6 longs of each vector, in one long[] (on-heap, contiguous);</li>
 * <li>VectorUtil.xorBitCount: Lucene's kernel on byte[48] per vector (a byte[][], as Lucene's vector values hand
 *     out one byte[] per vector);</li>
 * <li>Vector API: see {@link VectorApiKernel} (run only when the incubator module is present).</li>
 * </ul>
 * Rates are GB/s of packed bits (10^9 bytes / s), the best of {@code reps} interleaved repetitions (median beside it).
 */
public final class KernelBench {

    /** Rates in GB/s (best, median) per kernel; {@code checksums} must agree between the Hamming kernels. */
    public record Result(long bytes, int vectors, double[] seqRead, double[] longBitCount, double[] xorBitCount, double[] vectorApi, String vectorApiNote, long[] checksums) {
        public String markdown() {
            StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "%d vectors × 48 bytes = %.1f MB of packed bits (random), single thread; GB/s = 10^9 bytes/s, best of the repetitions (median)%n%n", vectors, bytes / 1e6));
            s.append("| kernel | GB/s best | GB/s median | vs sequential read (best/best) | ns per vector |\n|---|---:|---:|---:|---:|\n");
            row(s, "sequential read (sum of longs)", seqRead);
            row(s, "Hamming, Long.bitCount on long[] (6 per vector)", longBitCount);
            row(s, "Hamming, VectorUtil.xorBitCount on byte[48] per vector", xorBitCount);
            if (vectorApi != null) {
                row(s, "Hamming, incubator Vector API (" + vectorApiNote + ")", vectorApi);
            } else {
                s.append("| Hamming, incubator Vector API | ").append(vectorApiNote).append(" | | | |\n");
            }
            return s.toString();
        }

        private void row(StringBuilder s, String name, double[] r) {
            s.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", name, r[0], r[1], r[0] / seqRead[0], 48 / r[0]));
        }
    }

    private KernelBench() {}

    public static Result run(long bytes, int reps) {
        int words = 6;
        int vectors = (int) Math.max(1, bytes / (words * 8));
        SplittableRandom r = new SplittableRandom(7);
        long[] packed = new long[vectors * words];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = r.nextLong();
        }
        byte[][] asBytes = new byte[vectors][];
        for (int v = 0; v < vectors; v++) {
            asBytes[v] = toBytes(packed, v * words, words);
        }
        long[] q = new long[words];
        for (int i = 0; i < words; i++) {
            q[i] = r.nextLong();
        }
        byte[] qBytes = toBytes(q, 0, words);
        VectorApiKernel vector;
        try {
            vector = VectorApiKernel.create(words);
        } catch (LinkageError e) { // the incubator module is not in this JVM
            vector = null;
        }
        double[] seq = new double[reps], lbc = new double[reps], xbc = new double[reps], vec = new double[reps];
        long[] checksums = new long[3];
        long sink = 0;
        long realBytes = (long) vectors * words * 8;
        for (int rep = 0; rep < reps + 1; rep++) { // rep 0 warms up
            long t0 = System.nanoTime();
            sink += sequentialRead(packed);
            long t1 = System.nanoTime();
            checksums[0] = longBitCount(packed, q);
            long t2 = System.nanoTime();
            checksums[1] = xorBitCount(asBytes, qBytes);
            long t3 = System.nanoTime();
            long t4 = t3;
            if (vector != null) {
                checksums[2] = vector.scan(packed, q);
                t4 = System.nanoTime();
            }
            if (rep > 0) {
                seq[rep - 1] = realBytes / (double) (t1 - t0);
                lbc[rep - 1] = realBytes / (double) (t2 - t1);
                xbc[rep - 1] = realBytes / (double) (t3 - t2);
                vec[rep - 1] = realBytes / (double) (t4 - t3);
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return new Result(
            realBytes,
            vectors,
            bestMedian(seq),
            bestMedian(lbc),
            bestMedian(xbc),
            vector == null ? null : bestMedian(vec),
            vector == null ? "not run (start the JVM with --add-modules jdk.incubator.vector)" : vector.describe(),
            vector == null ? Arrays.copyOf(checksums, 2) : checksums
        );
    }

    private static double[] bestMedian(double[] rates) {
        double[] s = rates.clone();
        Arrays.sort(s);
        return new double[] { s[s.length - 1], s[s.length / 2] };
    }

    static byte[] toBytes(long[] words, int from, int count) {
        byte[] b = new byte[count * 8];
        for (int i = 0; i < count; i++) {
            long w = words[from + i];
            for (int k = 0; k < 8; k++) {
                b[i * 8 + k] = (byte) (w >>> (56 - 8 * k));
            }
        }
        return b;
    }

    static long sequentialRead(long[] a) {
        long s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    /** Sum of all distances, plus the minimum distance × 2^40 (a checksum the other kernels must match). */
    static long longBitCount(long[] a, long[] q) {
        long q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5];
        long sum = 0;
        int min = Integer.MAX_VALUE;
        for (int o = 0; o + 5 < a.length; o += 6) {
            int d = Long.bitCount(a[o] ^ q0) + Long.bitCount(a[o + 1] ^ q1) + Long.bitCount(a[o + 2] ^ q2) + Long.bitCount(a[o + 3] ^ q3)
                + Long.bitCount(a[o + 4] ^ q4) + Long.bitCount(a[o + 5] ^ q5);
            sum += d;
            min = Math.min(min, d);
        }
        return sum + ((long) min << 40);
    }

    static long xorBitCount(byte[][] vectors, byte[] q) {
        long sum = 0;
        int min = Integer.MAX_VALUE;
        for (byte[] v : vectors) {
            int d = VectorUtil.xorBitCount(v, q);
            sum += d;
            min = Math.min(min, d);
        }
        return sum + ((long) min << 40);
    }
}
