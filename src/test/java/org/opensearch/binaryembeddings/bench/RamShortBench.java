/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;
import org.opensearch.binaryembeddings.codec.BinaryFieldConfig;
import org.opensearch.binaryembeddings.codec.BinaryHnswVectorsFormat;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;
import org.opensearch.binaryembeddings.query.BenchQueries;
import org.opensearch.binaryembeddings.testsupport.TestFiles;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The RAM-short benchmark (issue 14 goal 4): the same synthetic index searched by each contender in its own process
 * whose memory cgroup holds its heap plus a quarter of the float vector file, after the page cache was dropped. Where
 * a contender's hot files do not fit, every node it visits can be a page fault; the 1-bit graph's hot files (bits and
 * graph, ~1/17 of the float graph's) fit, and only the rescoring reads go to disk.
 *
 * <p>Three steps, each its own JVM (bin/bench --ram-short runs them, as root, because the cgroup and the page cache
 * switch need it):
 * <ul>
 *   <li>{@code build DIR N}: the synthetic vectors, held-out queries and their exact top 10, and one force-merged
 *   index per contender under DIR (kept: a rerun with the same N reuses them);</li>
 *   <li>{@code search DIR CONTENDER}: in the cgroup, a warm-up pass then a timed pass of distinct queries per grid
 *   point, appending one line per point to {@code DIR/points.tsv} (recall, QPS, p50, p99, major page faults per query);</li>
 *   <li>{@code report DIR OUT LIMIT_BYTES}: the table with the ratios at recall 0.95.</li>
 * </ul>
 */
public final class RamShortBench {

    static final int K = 10;
    static final int DIMS = 384;
    static final String FIELD = "v";
    /** Queries that bring the cache to its steady state at each point before the timed ones (distinct from them). */
    static final int WARMUP_QUERIES = 100;
    static final int TIMED_QUERIES = 200;
    /**
     * Time bounds per point: where every visited node is a disk read a float-graph query can take a second, so a point
     * stops warming up after 20 s and stops timing after 40 s (and at least 20 queries); the table says how many ran.
     */
    static final long WARMUP_NANOS = 20_000_000_000L, TIMED_NANOS = 40_000_000_000L;
    static final int MIN_TIMED_QUERIES = 20;

    static final BinaryEmbeddingSpec SPEC = new BinaryEmbeddingSpec(
        DIMS,
        DIMS,
        DIMS,
        BitSimilarity.HAMMING,
        RescorePrecision.FLOAT32,
        BinaryEmbeddingSpec.RescoreSimilarity.DOT_PRODUCT,
        null,
        16,
        100,
        false
    );

    /** The contenders, their index folder name and the file holding their float vectors (the memory limit's base). */
    enum Contender {
        OURS(AnnBench.OURS),
        FLOAT(AnnBench.FLOAT),
        SQ1(AnnBench.SQ1);

        final String label;

        Contender(String label) {
            this.label = label;
        }

        String folder() {
            return name().toLowerCase(Locale.ROOT);
        }

        KnnVectorsFormat format() {
            return switch (this) {
                case OURS -> new BinaryHnswVectorsFormat(16, 100);
                case FLOAT -> new Lucene99HnswVectorsFormat(16, 100);
                case SQ1 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, 16, 100);
            };
        }

        /** Grid points from cheap to expensive, chosen to bracket recall 0.95 at 300k–1M (BENCHMARKS.md). */
        List<Point> grid(float[][] queries) {
            List<Point> points = new ArrayList<>();
            switch (this) {
                case OURS -> {
                    for (int[] g : new int[][] { { 3, 100 }, { 4, 100 }, { 5, 150 }, { 5, 200 }, { 10, 200 }, { 10, 300 } }) {
                        int os = g[0], nc = g[1];
                        points.add(new Point("oversample " + os + ", num_candidates " + nc, q -> BenchQueries.binaryKnn(
                            FIELD, SPEC, queries[q], SignBits.pack(queries[q], DIMS), K, K * os, nc, true)));
                    }
                }
                case FLOAT -> {
                    for (int ef : new int[] { 30, 50, 80, 120, 200 }) {
                        points.add(new Point("efSearch " + ef, q -> new KnnFloatVectorQuery(FIELD, queries[q], ef)));
                    }
                }
                case SQ1 -> {
                    for (int os : new int[] { 3, 5, 7, 10, 15, 20 }) {
                        points.add(new Point("oversample " + os + " (" + K * os + " candidates)", q -> RescoreTopNQuery
                            .createFullPrecisionRescorerQuery(new KnnFloatVectorQuery(FIELD, queries[q], K * os), queries[q], FIELD, K)));
                    }
                }
            }
            return points;
        }
    }

    interface QueryFor {
        Query of(int q);
    }

    record Point(String param, QueryFor query) {}

    private RamShortBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: build DIR N | search DIR CONTENDER | report DIR OUT LIMIT_BYTES HEAP_MB JVM_MB");
        }
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "build" -> build(dir, Integer.parseInt(args[2]));
            case "search" -> search(dir, Contender.valueOf(args[2].toUpperCase(Locale.ROOT)));
            case "report" -> report(dir, Path.of(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            default -> throw new IllegalArgumentException("unknown step " + args[0]);
        }
        System.exit(0);
    }

    // -----------------------------------------------------------------------------------------------------------------
    // build

    static void build(Path dir, int n) throws IOException {
        Path done = dir.resolve("built-" + n);
        if (Files.exists(done)) {
            // a contender whose folder was deleted (e.g. ours after a format change) is built again from the same vectors
            List<Contender> missing = Arrays.stream(Contender.values()).filter(c -> Files.exists(dir.resolve(c.folder())) == false).toList();
            log("indexes of %,d vectors already under %s; to build again: %s", n, dir, missing);
            if (missing.isEmpty() == false) {
                float[][] docs = SyntheticVectors.forSize(n).documents(n);
                for (Contender c : missing) {
                    long t0 = System.nanoTime();
                    buildIndex(dir.resolve(c.folder()), c, docs);
                    log("%-45s built in %.1f s", c.label, (System.nanoTime() - t0) / 1e9);
                }
            }
            return;
        }
        TestFiles.deleteRecursively(dir);
        Files.createDirectories(dir);
        SyntheticVectors gen = SyntheticVectors.forSize(n);
        float[][] docs = gen.documents(n);
        float[][] queries = gen.queries(WARMUP_QUERIES + TIMED_QUERIES);
        writeQueries(dir.resolve("queries.bin"), queries, truth(docs, queries));
        for (Contender c : Contender.values()) {
            long t0 = System.nanoTime();
            buildIndex(dir.resolve(c.folder()), c, docs);
            log("%-45s built in %.1f s", c.label, (System.nanoTime() - t0) / 1e9);
        }
        Files.writeString(done, Integer.toString(n));
    }

    private static void buildIndex(Path path, Contender c, float[][] docs) throws IOException {
        KnnVectorsFormat format = c.format();
        Codec codec = new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
        TieredMergePolicy merges = new TieredMergePolicy();
        merges.setNoCFSRatio(0);
        merges.setMaxMergedSegmentMB(1 << 20);
        IndexWriterConfig iwc = new IndexWriterConfig().setCodec(codec)
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
            .setUseCompoundFile(false)
            .setRAMBufferSizeMB(256)
            .setMergePolicy(merges);
        FieldType ours = new FieldType(KnnFloatVectorField.createFieldType(DIMS, VectorSimilarityFunction.DOT_PRODUCT));
        // the attributes BinaryEmbeddingFieldMapper puts on the field
        ours.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(SPEC.binaryDims()));
        ours.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, SPEC.bitSimilarity().attributeValue());
        ours.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, SPEC.precision().attributeValue());
        ours.freeze();
        try (Directory d = new MMapDirectory(path); IndexWriter w = new IndexWriter(d, iwc)) {
            for (int i = 0; i < docs.length; i++) {
                Document doc = new Document();
                doc.add(c == Contender.OURS ? new KnnFloatVectorField(FIELD, docs[i], ours)
                    : new KnnFloatVectorField(FIELD, docs[i], VectorSimilarityFunction.DOT_PRODUCT));
                doc.add(new NumericDocValuesField("id", i));
                w.addDocument(doc);
            }
            w.forceMerge(1);
            w.commit();
        }
    }

    private static int[][] truth(float[][] docs, float[][] queries) {
        return IntStream.range(0, queries.length).parallel().mapToObj(q -> {
            float[] best = new float[K];
            int[] ids = new int[K];
            Arrays.fill(best, Float.NEGATIVE_INFINITY);
            for (int d = 0; d < docs.length; d++) {
                float s = VectorUtil.dotProduct(queries[q], docs[d]);
                if (s > best[K - 1]) {
                    int i = K - 1;
                    while (i > 0 && best[i - 1] < s) {
                        best[i] = best[i - 1];
                        ids[i] = ids[i - 1];
                        i--;
                    }
                    best[i] = s;
                    ids[i] = d;
                }
            }
            return ids;
        }).toArray(int[][]::new);
    }

    // -----------------------------------------------------------------------------------------------------------------
    // search (in the cgroup)

    static void search(Path dir, Contender c) throws IOException {
        float[][] queries;
        int[][] truth;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(dir.resolve("queries.bin"))))) {
            int nq = in.readInt(), dims = in.readInt();
            queries = new float[nq][dims];
            truth = new int[nq][K];
            for (int q = 0; q < nq; q++) {
                for (int j = 0; j < dims; j++) {
                    queries[q][j] = in.readFloat();
                }
                for (int j = 0; j < K; j++) {
                    truth[q][j] = in.readInt();
                }
            }
        }
        StringBuilder lines = new StringBuilder();
        try (Directory d = new MMapDirectory(dir.resolve(c.folder())); DirectoryReader reader = DirectoryReader.open(d)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null);
            int[] docToId = docToId(reader);
            for (Point p : c.grid(queries)) {
                long warmupStart = System.nanoTime();
                for (int q = 0; q < WARMUP_QUERIES && System.nanoTime() - warmupStart < WARMUP_NANOS; q++) {
                    searcher.search(p.query().of(q), K);
                }
                long[] lat = new long[TIMED_QUERIES];
                int hits = 0, timed = 0;
                long faults0 = majorFaults(), timedStart = System.nanoTime();
                for (int i = 0; i < TIMED_QUERIES && (i < MIN_TIMED_QUERIES || System.nanoTime() - timedStart < TIMED_NANOS); i++, timed++) {
                    int q = WARMUP_QUERIES + i;
                    long t0 = System.nanoTime();
                    TopDocs top = searcher.search(p.query().of(q), K);
                    lat[i] = System.nanoTime() - t0;
                    for (ScoreDoc sd : top.scoreDocs) {
                        int id = docToId[sd.doc];
                        for (int t : truth[q]) {
                            if (t == id) {
                                hits++;
                                break;
                            }
                        }
                    }
                }
                long faults1 = majorFaults();
                double faultsPerQuery = faults0 < 0 || faults1 < 0 ? Double.NaN : (faults1 - faults0) / (double) timed;
                lat = Arrays.copyOf(lat, timed);
                Arrays.sort(lat);
                double qps = timed / (Arrays.stream(lat).sum() / 1e9);
                String line = String.format(Locale.ROOT, "%s\t%s\t%.4f\t%.1f\t%.0f\t%.0f\t%.1f\t%d%n", c.name(), p.param(),
                    hits / (double) (K * timed), qps, lat[timed / 2] / 1e3, lat[timed * 99 / 100] / 1e3, faultsPerQuery, timed);
                log("%s", line.strip());
                lines.append(line);
            }
        }
        Files.writeString(dir.resolve("points.tsv"), lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static int[] docToId(DirectoryReader reader) throws IOException {
        int[] out = new int[reader.maxDoc()];
        for (LeafReaderContext ctx : reader.leaves()) {
            NumericDocValues ids = ctx.reader().getNumericDocValues("id");
            for (int doc = ids.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = ids.nextDoc()) {
                out[ctx.docBase + doc] = (int) ids.longValue();
            }
        }
        return out;
    }

    /**
     * This process's major page faults so far (field 12 of /proc/self/stat): reads that went to the disk; -1 where
     * /proc cannot be read (the smoke test runs under the test framework's file policy).
     */
    static long majorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[9]);
        } catch (IOException | RuntimeException e) { // SecurityException under the test framework
            return -1;
        }
    }

    // -----------------------------------------------------------------------------------------------------------------
    // report

    static void report(Path dir, Path out, long limitBytes, int heapMb, int jvmMb) throws IOException {
        Map<Contender, List<AnnBench.PointResult>> byContender = new TreeMap<>();
        Map<String, Double> faults = new TreeMap<>();
        int n;
        try (var files = Files.list(dir)) {
            n = Integer.parseInt(Files.readString(files.filter(p -> p.getFileName().toString().startsWith("built-")).findFirst().orElseThrow()).strip());
        }
        for (String line : Files.readAllLines(dir.resolve("points.tsv"))) {
            String[] f = line.split("\t");
            Contender c = Contender.valueOf(f[0]);
            AnnBench.PointResult p = new AnnBench.PointResult("synthetic-" + n, 1, c.label, f[1], Integer.parseInt(f[7]),
                Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
            byContender.computeIfAbsent(c, k -> new ArrayList<>()).add(p);
            faults.put(c.name() + "\t" + f[1], Double.parseDouble(f[6]));
        }
        StringBuilder md = new StringBuilder("# RAM-short benchmark (generated by bin/bench --ram-short; do not edit)\n\n");
        md.append(AnnBench.machine()).append('\n');
        md.append(String.format(Locale.ROOT, "Synthetic %,d × %d-d, one segment per contender; each contender's search JVM in a memory cgroup of "
            + "%,d MB (its %d MB heap, pre-touched, plus %d MB for the JVM's own memory, plus 25%% of the %,d MB float vector "
            + "file), page cache dropped before it; per point up to %d warm-up queries (at most %d s), then up to %d distinct timed "
            + "queries (at most %d s, at least %d), one thread.%n%n", n, DIMS, limitBytes >> 20, heapMb, jvmMb, (long) n * DIMS * 4 >> 20,
            WARMUP_QUERIES, WARMUP_NANOS / 1_000_000_000L, TIMED_QUERIES, TIMED_NANOS / 1_000_000_000L, MIN_TIMED_QUERIES));
        Path cgroup = dir.resolve("cgroup.tsv");
        if (Files.exists(cgroup)) {
            md.append("| contender | peak memory of the cgroup (MB) | times the limit was hit | load average (1 min) after it |\n|---|---:|---:|---:|\n");
            for (String line : Files.readAllLines(cgroup)) {
                String[] f = line.split("\t");
                md.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s |%n", Contender.valueOf(f[0].toUpperCase(Locale.ROOT)).label,
                    Long.parseLong(f[1]) >> 20, f[2], f[3]));
            }
            md.append('\n');
        }
        md.append("| contender | parameters | timed queries | recall@10 | QPS | p50 µs | p99 µs | major faults / query |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (var e : byContender.entrySet()) {
            for (AnnBench.PointResult p : e.getValue()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %,.1f | %.0f | %.0f | %.1f |%n", p.contender(), p.param(),
                    p.queries(), p.recall(), p.qps(), p.p50us(), p.p99us(), faults.get(e.getKey().name() + "\t" + p.param())));
            }
        }
        md.append("\n| at recall@10 0.95 (interpolated) | QPS | ours / it |\n|---|---:|---:|\n");
        double ours = AnnBench.qpsAtRecall(byContender.getOrDefault(Contender.OURS, List.of()), 0.95);
        for (var e : byContender.entrySet()) {
            double qps = AnnBench.qpsAtRecall(e.getValue(), 0.95);
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f× |%n", e.getKey().label, qps, ours / qps));
        }
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static void writeQueries(Path file, float[][] queries, int[][] truth) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(queries.length);
            out.writeInt(queries[0].length);
            for (int q = 0; q < queries.length; q++) {
                for (float x : queries[q]) {
                    out.writeFloat(x);
                }
                for (int id : truth[q]) {
                    out.writeInt(id);
                }
            }
        }
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[ram-short] " + format + "%n", args);
    }
}
