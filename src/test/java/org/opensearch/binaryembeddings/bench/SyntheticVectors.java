package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testsupport.Vectors;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * SYNTHETIC unit vectors with cluster structure, a stand-in for sentence embeddings (labelled synthetic wherever they
 * are reported). Deterministic for a given seed, whatever the count. A two-level mixture with a low intrinsic
 * dimension, its constants chosen so that the statistics the benchmark depends on come near those of the real
 * msmarco-5k bge-small embeddings (see BENCHMARKS.md: cosine of a random pair, of the 1st and 10th neighbour, recall of
 * sign-bit Hamming top 10, balance of the sign bits):
 * <ol>
 * <li>an anisotropic per-dimension scale {@code s_j = 1 / sqrt(1 + j / 32)} over a random permutation of the dims;</li>
 * <li>a shared offset {@code mu} (gaussian ⊙ s, norm {@value #MU}): one model's embeddings share a mean direction;</li>
 * <li>{@code topics = max(4, clusters / 10)} topic centers {@code t = mu + unit(gaussian ⊙ s)}, each with its own random
 *     basis of {@value #RANK} directions (gaussian ⊙ s, unit);</li>
 * <li>{@code clusters} cluster centers {@code c = t + }{@value #CLUSTER}{@code · unit(gaussian ⊙ s)} under a topic drawn
 *     uniformly;</li>
 * <li>vector: a cluster drawn with a Zipf-like weight {@code 1 / (k + 10)}, then
 *     {@code unit(c + }{@value #LATENT}{@code · B·z + }{@value #NOISE}{@code · unit(gaussian ⊙ s))}, z a standard gaussian
 *     in {@value #RANK} dims and B the topic's basis / sqrt(rank) (most variation within a cluster lies in a few
 *     directions, as in real embeddings).</li>
 * </ol>
 * Documents and queries come from two independent streams of the same process (queries are held out: none is a
 * document).
 */
public final class SyntheticVectors {

    static final double MU = 0.8;
    static final double CLUSTER = 0.6;
    static final int RANK = 8;
    static final double LATENT = 1.1;
    static final double NOISE = 0.45;

    private final int dims;
    private final float[] scale;
    private final float[][] centers;
    private final int[] topicOf;
    private final float[][][] bases;
    private final double[] cumulative;
    private final long seed;
    private final double mu = MU;
    private final double cluster = CLUSTER;
    private final int rank = RANK;
    private final double latent = LATENT;
    private final double noise = NOISE;

    public SyntheticVectors(int dims, int clusters, long seed) {
        this.dims = dims;
        this.seed = seed;
        Random r = new Random(seed);
        scale = new float[dims];
        int[] perm = new int[dims];
        for (int i = 0; i < dims; i++) {
            perm[i] = i;
        }
        for (int i = dims - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int j = 0; j < dims; j++) {
            scale[perm[j]] = (float) (1 / Math.sqrt(1 + j / 32.0));
        }
        float[] muV = times(Vectors.normalizeInPlace(scaledGaussian(r)), mu);
        int topics = Math.max(4, clusters / 10);
        float[][] topicCenters = new float[topics][];
        bases = new float[topics][][];
        for (int t = 0; t < topics; t++) {
            topicCenters[t] = add(muV, Vectors.normalizeInPlace(scaledGaussian(r)), 1);
            bases[t] = new float[rank][];
            for (int b = 0; b < rank; b++) {
                bases[t][b] = times(Vectors.normalizeInPlace(scaledGaussian(r)), 1 / Math.sqrt(rank));
            }
        }
        centers = new float[clusters][];
        topicOf = new int[clusters];
        cumulative = new double[clusters];
        double total = 0;
        for (int k = 0; k < clusters; k++) {
            topicOf[k] = r.nextInt(topics);
            centers[k] = add(topicCenters[topicOf[k]], Vectors.normalizeInPlace(scaledGaussian(r)), cluster);
            total += 1.0 / (k + 10);
            cumulative[k] = total;
        }
        for (int k = 0; k < clusters; k++) {
            cumulative[k] /= total;
        }
    }

    /** The default shape for {@code n} documents: 384 dims, one cluster per 100 docs (at least 16), seed 42. */
    public static SyntheticVectors forSize(int n) {
        return new SyntheticVectors(384, Math.max(16, n / 100), 42);
    }

    /** {@code n} document vectors (stream 1). */
    public float[][] documents(int n) {
        return generate(n, seed * 31 + 1);
    }

    /** {@code n} held-out query vectors (stream 2). */
    public float[][] queries(int n) {
        return generate(n, seed * 31 + 2);
    }

    private float[][] generate(int n, long streamSeed) {
        SplittableRandom r = new SplittableRandom(streamSeed);
        float[][] out = new float[n][];
        float[] iso = new float[dims];
        for (int i = 0; i < n; i++) {
            int k = Arrays.binarySearch(cumulative, r.nextDouble());
            k = k >= 0 ? k : Math.min(cumulative.length - 1, -k - 1);
            float[] v = centers[k].clone();
            float[][] basis = bases[topicOf[k]];
            for (float[] b : basis) {
                float z = (float) (gaussian(r) * latent);
                for (int j = 0; j < dims; j++) {
                    v[j] += z * b[j];
                }
            }
            double norm = 0;
            for (int j = 0; j < dims; j++) {
                iso[j] = (float) (gaussian(r) * scale[j]);
                norm += iso[j] * iso[j];
            }
            float f = (float) (noise / Math.sqrt(norm));
            for (int j = 0; j < dims; j++) {
                v[j] += f * iso[j];
            }
            out[i] = Vectors.normalizeInPlace(v);
        }
        return out;
    }

    private float[] scaledGaussian(Random r) {
        float[] v = new float[dims];
        for (int j = 0; j < dims; j++) {
            v[j] = (float) (r.nextGaussian() * scale[j]);
        }
        return v;
    }

    private static float[] times(float[] v, double f) {
        for (int j = 0; j < v.length; j++) {
            v[j] *= (float) f;
        }
        return v;
    }

    private static float[] add(float[] a, float[] b, double f) {
        float[] o = new float[a.length];
        for (int j = 0; j < a.length; j++) {
            o[j] = a[j] + (float) (f * b[j]);
        }
        return o;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; one value per call keeps the stream simple
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

}
