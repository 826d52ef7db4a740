package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testsupport.TestFiles;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.bitvectors.HnswBitVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;
import org.opensearch.binaryembeddings.codec.BinaryFieldConfig;
import org.opensearch.binaryembeddings.codec.BenchFormats;
import org.opensearch.binaryembeddings.codec.BinaryHnswVectorsFormat;
import org.opensearch.binaryembeddings.codec.BinaryVectors;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;
import org.opensearch.binaryembeddings.query.BenchQueries;

import org.opensearch.binaryembeddings.testsupport.BenchMain;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * ANN benchmark (not a test; {@code bin/bench}, and at a tiny size {@code AnnBenchSmokeTests}): in-process Lucene
 * IndexWriter / IndexSearcher, single-threaded search, every contender on the same vectors, force-merged to one segment
 * (and first, optionally, to a few segments), query timings interleaved contender by contender in chunks so the load
 * of a shared machine hits all alike.
 *
 * <p>Contenders (M = 16, beam 100 at build for every graph; k = 10):
 * <ul>
 * <li>ours: {@link BinaryHnswVectorsFormat} (Hamming HNSW over sign bits, float32 rescoring values) searched with
 * {@code BinaryKnnQuery} at several (oversample, num_candidates) points;</li>
 * <li>Lucene99HnswVectorsFormat float32 at several efSearch (= the KnnFloatVectorQuery k, top 10 kept);</li>
 * <li>Lucene104HnswScalarQuantizedVectorsFormat SINGLE_BIT_QUERY_NIBBLE, the graph asked for k × oversample, rescored
 * with the raw floats by Lucene's {@link RescoreTopNQuery#createFullPrecisionRescorerQuery};</li>
 * <li>lucene-codecs HnswBitVectorsFormat over the same sign bits, k × oversample candidates, rescored the same way from
 * a float field of the same documents stored by Lucene99HnswVectorsFormat without a graph (its tiny-segment threshold
 * set above any segment size, so it is Lucene's flat float file only);</li>
 * <li>exact float scan of the float index's vectors (the ground truth's method, off-heap) and exact Hamming scan of our
 * index's bits ({@link BinaryVectors#exactSearch}) + float rescoring of the k × oversample best.</li>
 * </ul>
 * All fields use DOT_PRODUCT on unit vectors (ours: rescoring similarity dot_product).
 */
public final class AnnBench {

    static final int K = 10;
    static final String FIELD = "v";
    static final String BITS_FIELD = "b";

    /** What to run. */
    public record Options(
        int n,
        int queries,
        int exactQueries,
        int segments,
        boolean real,
        boolean synthetic,
        long kernelBytes,
        int kernelReps,
        int realReps,
        int warmup,
        int gtThreads,
        /** Only the contenders goal 1 compares (ours, float HNSW, Lucene's 1-bit format): for runs too long for all five. */
        boolean core,
        Path work,
        Path out
    ) {
        public static Options defaults(Path work, Path out) {
            return new Options(100_000, 1000, 200, 10, true, true, 192L << 20, 7, 20, 200, 2, false, work, out);
        }

        public static Options smoke(Path work, Path out) {
            return new Options(2000, 50, 50, 4, false, true, 4L << 20, 2, 1, 10, 1, false, work, out);
        }
    }

    /** One measured search configuration. */
    public record PointResult(String dataset, int segments, String contender, String param, int queries, double recall, double qps, double p50us, double p99us) {}

    /** Build cost and files of one contender's index. */
    public record BuildResult(
        String dataset,
        String contender,
        int n,
        double indexSeconds,
        double mergeSeconds,
        Map<String, Long> files,
        long hotBytes,
        String hotFiles,
        Map<String, Long> luceneOffHeap
    ) {
        public double totalSeconds() {
            return indexSeconds + mergeSeconds;
        }

        public long totalBytes() {
            return files.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Everything one run measured. */
    public record Report(List<BuildResult> builds, List<PointResult> points, KernelBench.Result kernel, String markdown) {}

    // contender names (also the plot's series)
    public static final String OURS = "ours: binary HNSW + asym + float rescore";
    public static final String OURS_NO_RESCORE = "ours: Hamming only (no rescore)";
    /**
     * Ours with format version 0 (the graph built over the raw sign bits and walked by their estimate: before centred
     * codes), same queries, same walk and narrowing; a separate index.
     */
    public static final String OURS_V0 = "ours, format v0: sign-bit graph (before)";
    /** Ours on the same reader searched with a 2-thread executor: segments walked concurrently (multi-segment pass). */
    public static final String OURS_2_THREADS = "ours, segments on 2 threads";

    public static final String FLOAT = "Lucene99 HNSW float32";
    public static final String SQ1 = "Lucene104 1-bit/4-bit-query + float rescore";
    public static final String BITS = "HnswBitVectorsFormat + float rescore";
    public static final String EXACT_HAMMING = "exact Hamming scan + float rescore";
    public static final String EXACT_FLOAT = "exact float scan";

    private enum Kind {
        OURS(AnnBench.OURS, "BinaryEmbeddingsHnsw", "vec", "vex"),
        OURS_V0(AnnBench.OURS_V0, "BinaryEmbeddingsHnsw", "vec", "vex"),
        FLOAT(AnnBench.FLOAT, "Lucene99HnswVectorsFormat", "vec", "vex"),
        SQ1(AnnBench.SQ1, "Lucene104HnswBinaryQuantizedVectorsFormat", "veq", "vex"),
        BITS(AnnBench.BITS, "HnswBitVectorsFormat", "vec", "vex");

        final String label;
        final String format;
        final String[] hotExtensions;

        Kind(String label, String format, String... hotExtensions) {
            this.label = label;
            this.format = format;
            this.hotExtensions = hotExtensions;
        }
    }

    static final BinaryEmbeddingSpec SPEC = new BinaryEmbeddingSpec(
        384,
        384,
        384,
        org.opensearch.binaryembeddings.codec.BitSimilarity.HAMMING,
        org.opensearch.binaryembeddings.codec.RescorePrecision.FLOAT32,
        BinaryEmbeddingSpec.RescoreSimilarity.DOT_PRODUCT,
        null,
        16,
        100,
        false
    );

    private AnnBench() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> run(parse(args)));
    }

    static Options parse(String[] args) {
        Path work = Path.of(System.getProperty("bench.work", "target/bench/work"));
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Options o = Options.defaults(work, out);
        for (String a : args) {
            if (a.equals("--smoke")) {
                o = Options.smoke(work, out);
            }
        }
        for (String a : args) {
            String[] kv = a.split("=", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "--smoke" -> {}
                case "--n" -> o = new Options(Integer.parseInt(v), o.queries(), o.exactQueries(), o.segments(), o.real(), o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--queries" -> o = new Options(o.n(), Integer.parseInt(v), Math.min(o.exactQueries(), Integer.parseInt(v)), o.segments(), o.real(), o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--segments" -> o = new Options(o.n(), o.queries(), o.exactQueries(), Integer.parseInt(v), o.real(), o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--no-real" -> o = new Options(o.n(), o.queries(), o.exactQueries(), o.segments(), false, o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--no-synthetic" -> o = new Options(o.n(), o.queries(), o.exactQueries(), o.segments(), o.real(), false, o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--real" -> o = new Options(o.n(), o.queries(), o.exactQueries(), o.segments(), true, o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--kernel-mb" -> o = new Options(o.n(), o.queries(), o.exactQueries(), o.segments(), o.real(), o.synthetic(), Long.parseLong(v) << 20, o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), o.core(), work, out);
                case "--core" -> o = new Options(o.n(), o.queries(), o.exactQueries(), o.segments(), o.real(), o.synthetic(), o.kernelBytes(), o.kernelReps(), o.realReps(), o.warmup(), o.gtThreads(), true, work, out);
                default -> throw new IllegalArgumentException(
                    "unknown argument " + a + " (known: --smoke --n=N --queries=N --segments=N (0: skip) --no-real --real --no-synthetic --kernel-mb=MB (0: skip) --core)"
                );
            }
        }
        return o;
    }

    /** Runs the benchmark, writes {@code out}/ann-results.md and the SVG plots, and returns what it measured. */
    public static Report run(Options o) throws IOException {
        Files.createDirectories(o.out());
        Files.createDirectories(o.work());
        List<BuildResult> builds = new ArrayList<>();
        List<PointResult> points = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("# ANN benchmark results (generated by bin/bench; do not edit)\n\n");
        md.append(machine()).append('\n');
        md.append(String.format(Locale.ROOT, "Options: %s%n%n", o));
        if (o.synthetic()) {
            log("synthetic: generating %,d documents and %,d queries", o.n(), o.queries());
            SyntheticVectors gen = SyntheticVectors.forSize(o.n());
            float[][] docs = gen.documents(o.n());
            float[][] queries = gen.queries(o.queries());
            String name = "synthetic-" + o.n();
            runDataset(o, name, "SYNTHETIC clustered 384-d unit vectors (" + o.n() + " docs, " + o.queries() + " held-out queries)", docs, queries, 1, o.segments(), builds, points, md, "bench-ann-recall-qps.svg");
        }
        if (o.real()) {
            log("msmarco-5k: loading reference embeddings (cached under %s)", org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings.cacheDir());
            float[][] docs = org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings.passages("msmarco-5k", org.opensearch.binaryembeddings.testdata.Corpus.msmarco());
            float[][] queries = org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings.queries("msmarco-5k", org.opensearch.binaryembeddings.testdata.Corpus.msmarco());
            runDataset(o, "msmarco-5k", "msmarco-5k, bge-small-en-v1.5 int8 reference embeddings (5,000 passages, 50 queries × " + o.realReps() + " timed repetitions)", docs, queries, o.realReps(), 0, builds, points, md, "bench-ann-recall-qps-msmarco.svg");
        }
        KernelBench.Result kernel = null;
        if (o.kernelBytes() > 0) {
            log("kernel: %d MB, %d repetitions", o.kernelBytes() >> 20, o.kernelReps());
            kernel = KernelBench.run(o.kernelBytes(), o.kernelReps());
            md.append("## Kernel: exact Hamming scan vs sequential read\n\n").append(kernel.markdown()).append('\n');
        }
        Files.writeString(o.out().resolve("ann-results.md"), md.toString());
        log("wrote %s", o.out().resolve("ann-results.md"));
        System.out.println(md);
        return new Report(builds, points, kernel, md.toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // one data set

    private static void runDataset(
        Options o,
        String name,
        String description,
        float[][] docs,
        float[][] queries,
        int reps,
        int multiSegments,
        List<BuildResult> builds,
        List<PointResult> points,
        StringBuilder md,
        String svgName
    ) throws IOException {
        int n = docs.length;
        int[][] truth = groundTruth(o, name, docs, queries);
        Path dir = o.work().resolve(name);
        TestFiles.deleteRecursively(dir);
        Files.createDirectories(dir);

        // build, interleaved in chunks of documents
        Map<Kind, Index> indexes = new LinkedHashMap<>();
        // with a multi-segment pass: that many flushed segments, searched as they are, then merged to one;
        // without: ~20 flushed segments merged to one
        boolean multi = multiSegments > 1 && n >= multiSegments * 200;
        int flushEvery = multi ? (n + multiSegments - 1) / multiSegments : Math.max(100, (n + 19) / 20);
        for (Kind kind : Kind.values()) {
            if (o.core() && (kind == Kind.OURS_V0 || kind == Kind.BITS)) {
                continue;
            }
            indexes.put(kind, new Index(kind, dir.resolve(kind.name().toLowerCase(Locale.ROOT)), flushEvery));
        }
        log("%s: indexing %,d docs into %d indexes, a flush every %,d docs", name, n, indexes.size(), flushEvery);
        int chunk = 1000;
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            for (Index idx : indexes.values()) {
                long t0 = System.nanoTime();
                for (int i = from; i < to; i++) {
                    idx.writer.addDocument(idx.document(i, docs[i]));
                }
                idx.indexNanos += System.nanoTime() - t0;
            }
        }
        for (Index idx : indexes.values()) {
            long t0 = System.nanoTime();
            idx.writer.commit();
            idx.indexNanos += System.nanoTime() - t0;
            log("%s: %-45s indexed in %.1f s", name, idx.kind.label, idx.indexNanos / 1e9);
        }

        if (multi) {
            points.addAll(search(o, name, indexes, queries, truth, reps));
        }
        for (Index idx : indexes.values()) {
            idx.forceMerge(1);
            log("%s: %-45s merged to 1 segment, all merges %.1f s", name, idx.kind.label, idx.mergeNanos / 1e9);
        }
        List<PointResult> single = search(o, name, indexes, queries, truth, reps);
        points.addAll(single);

        List<BuildResult> dataBuilds = new ArrayList<>();
        for (Index idx : indexes.values()) {
            dataBuilds.add(idx.buildResult(name, n));
        }
        builds.addAll(dataBuilds);
        for (Index idx : indexes.values()) {
            idx.close();
        }

        // report
        md.append("## ").append(description).append("\n\n");
        md.append(String.format(Locale.ROOT, "Indexing: one thread, a flush every %,d docs (%d flushed segments)%s, then force merge to one segment.%n%n", flushEvery, (n + flushEvery - 1) / flushEvery, multi ? ", searched as they are for the multi-segment table" : ""));
        md.append(buildTable(dataBuilds, n));
        List<PointResult> all = points.stream().filter(p -> p.dataset().equals(name)).toList();
        for (int segs : all.stream().mapToInt(PointResult::segments).distinct().sorted().toArray()) {
            md.append(headline(all, dataBuilds, segs));
        }
        for (int segs : all.stream().mapToInt(PointResult::segments).distinct().sorted().toArray()) {
            md.append(String.format(Locale.ROOT, "### All points, %d segment%s%n%n", segs, segs == 1 ? "" : "s"));
            md.append("| contender | parameters | queries | recall@10 | QPS | p50 µs | p99 µs |\n|---|---|---:|---:|---:|---:|---:|\n");
            for (PointResult p : all) {
                if (p.segments() == segs) {
                    md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %,.0f | %.0f | %.0f |%n", p.contender(), p.param(), p.queries(), p.recall(), p.qps(), p.p50us(), p.p99us()));
                }
            }
            md.append('\n');
        }
        SvgPlot plot = new SvgPlot(
            "recall@10 vs QPS — " + description,
            "one segment, k=10, M=16, beam 100; single-thread search, " + Runtime.getRuntime().availableProcessors() + " shared cores; generated by bin/bench"
        );
        for (PointResult p : all) {
            if (p.segments() == 1 && p.contender().equals(OURS_NO_RESCORE) == false) {
                plot.add(p.contender(), p.recall(), p.qps());
            }
        }
        Files.writeString(o.out().resolve(svgName), plot.render());
        md.append("Plot: `").append(svgName).append("`\n\n");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // indexes

    private static final class Index {
        final Kind kind;
        final Directory dir;
        final IndexWriter writer;
        final FieldType oursType;
        long indexNanos;
        long mergeNanos;
        DirectoryReader reader;
        IndexSearcher searcher;
        IndexSearcher concurrentSearcher; // the same reader, segments searched on 2 threads (multi-segment pass)
        int[] docToId;

        Index(Kind kind, Path path, int flushEvery) throws IOException {
            this.kind = kind;
            this.dir = new MMapDirectory(path);
            KnnVectorsFormat main = switch (kind) {
                case OURS -> new BinaryHnswVectorsFormat(16, 100);
                case OURS_V0 -> BenchFormats.signBitGraphs();
                case FLOAT -> new Lucene99HnswVectorsFormat(16, 100);
                case SQ1 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, 16, 100);
                // the float field beside the bits: Lucene's flat float file only (no graph below this many vectors)
                case BITS -> new Lucene99HnswVectorsFormat(16, 100, 1, null, Integer.MAX_VALUE);
            };
            KnnVectorsFormat bits = new HnswBitVectorsFormat(16, 100);
            Codec codec = new Lucene104Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return field.equals(BITS_FIELD) ? bits : main;
                }
            };
            TieredMergePolicy tmp = new TieredMergePolicy();
            tmp.setNoCFSRatio(0);
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(codec)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setUseCompoundFile(false)
                .setMaxBufferedDocs(flushEvery)
                .setRAMBufferSizeMB(IndexWriterConfig.DISABLE_AUTO_FLUSH)
                .setMergePolicy(NoMergePolicy.INSTANCE)
                .setMergeScheduler(new SerialMergeScheduler());
            this.writer = new IndexWriter(dir, iwc);
            this.oursType = new FieldType(KnnFloatVectorField.createFieldType(384, VectorSimilarityFunction.DOT_PRODUCT));
            // the attributes BinaryEmbeddingFieldMapper.luceneFieldType puts
            oursType.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(SPEC.binaryDims()));
            oursType.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, SPEC.bitSimilarity().attributeValue());
            oursType.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, SPEC.precision().attributeValue());
            oursType.freeze();
        }

        Document document(int id, float[] v) {
            Document d = new Document();
            switch (kind) {
                case OURS, OURS_V0 -> d.add(new KnnFloatVectorField(FIELD, v, oursType));
                case FLOAT, SQ1 -> d.add(new KnnFloatVectorField(FIELD, v, VectorSimilarityFunction.DOT_PRODUCT));
                case BITS -> {
                    d.add(new KnnByteVectorField(BITS_FIELD, SignBits.pack(v, 384), VectorSimilarityFunction.EUCLIDEAN));
                    d.add(new KnnFloatVectorField(FIELD, v, VectorSimilarityFunction.DOT_PRODUCT));
                }
            }
            d.add(new NumericDocValuesField("id", id));
            return d;
        }

        void forceMerge(int segments) throws IOException {
            closeReader();
            TieredMergePolicy tmp = new TieredMergePolicy();
            tmp.setNoCFSRatio(0);
            tmp.setMaxMergedSegmentMB(1 << 20);
            writer.getConfig().setMergePolicy(tmp);
            long t0 = System.nanoTime();
            writer.forceMerge(segments);
            writer.commit();
            mergeNanos += System.nanoTime() - t0;
            writer.deleteUnusedFiles();
        }

        void open() throws IOException {
            closeReader();
            reader = DirectoryReader.open(dir);
            searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null);
            docToId = new int[reader.maxDoc()];
            for (LeafReaderContext ctx : reader.leaves()) {
                NumericDocValues ids = ctx.reader().getNumericDocValues("id");
                for (int doc = ids.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = ids.nextDoc()) {
                    docToId[ctx.docBase + doc] = (int) ids.longValue();
                }
            }
        }

        int segments() {
            return reader.leaves().size();
        }

        int[] ids(TopDocs td) {
            int[] out = new int[td.scoreDocs.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = docToId[td.scoreDocs[i].doc];
            }
            return out;
        }

        BuildResult buildResult(String dataset, int n) throws IOException {
            Map<String, Long> files = new TreeMap<>();
            for (String f : dir.listAll()) {
                if (f.equals("write.lock")) {
                    continue;
                }
                files.merge(fileKey(f), dir.fileLength(f), Long::sum);
            }
            long hot = 0;
            StringBuilder hotFiles = new StringBuilder();
            for (String ext : kind.hotExtensions) {
                String key = kind.format + "." + ext;
                hot += files.getOrDefault(key, 0L);
                hotFiles.append(hotFiles.length() == 0 ? "" : " + ").append(key);
            }
            if (reader == null) {
                open();
            }
            Map<String, Long> offHeap = new TreeMap<>();
            LeafReader leaf = reader.leaves().get(0).reader();
            String field = kind == Kind.BITS ? BITS_FIELD : FIELD;
            if (FilterLeafReader.unwrap(leaf) instanceof CodecReader cr) {
                KnnVectorsReader vr = cr.getVectorReader();
                if (vr instanceof PerFieldKnnVectorsFormat.FieldsReader pf) {
                    vr = pf.getFieldReader(field);
                }
                offHeap.putAll(vr.getOffHeapByteSize(leaf.getFieldInfos().fieldInfo(field)));
            }
            return new BuildResult(dataset, kind.label, n, indexNanos / 1e9, mergeNanos / 1e9, files, hot, hotFiles.toString(), offHeap);
        }

        void closeReader() throws IOException {
            if (reader != null) {
                reader.close();
                reader = null;
                searcher = null;
                concurrentSearcher = null;
            }
        }

        void close() throws IOException {
            closeReader();
            writer.close();
            dir.close();
        }
    }

    /** "_3_Lucene99HnswVectorsFormat_0.vec" → "Lucene99HnswVectorsFormat.vec"; "_3.fnm" → "fnm"; segments_N → "segments". */
    static String fileKey(String file) {
        if (file.startsWith("segments")) {
            return "segments";
        }
        int dot = file.lastIndexOf('.');
        String ext = dot < 0 ? "" : file.substring(dot + 1);
        String base = dot < 0 ? file : file.substring(0, dot);
        String[] parts = base.split("_");
        // parts: "", segment, [format, suffixNumber]
        if (parts.length >= 4) {
            return String.join("_", Arrays.copyOfRange(parts, 2, parts.length - 1)) + "." + ext;
        }
        return ext;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // search points

    /** One search configuration: returns the ids of the top 10 for query {@code q}. */
    private interface Search {
        int[] top(int q) throws IOException;
    }

    private record Point(String contender, String param, int queries, Search search) {}

    private static List<PointResult> search(Options o, String dataset, Map<Kind, Index> indexes, float[][] queries, int[][] truth, int reps) throws IOException {
        for (Index idx : indexes.values()) {
            idx.open();
        }
        // OURS_2_THREADS: the same reader with an executor of 2 threads, as a 2-core node's concurrent segment search has
        ExecutorService segmentThreads = Executors.newFixedThreadPool(2);
        try {
            Index ours = indexes.get(Kind.OURS);
            ours.concurrentSearcher = new IndexSearcher(ours.reader, segmentThreads);
            ours.concurrentSearcher.setQueryCache(null);
            return searchPoints(o, dataset, indexes, queries, truth, reps);
        } finally {
            segmentThreads.shutdown();
        }
    }

    private static List<PointResult> searchPoints(Options o, String dataset, Map<Kind, Index> indexes, float[][] queries, int[][] truth, int reps)
        throws IOException {
        int segments = indexes.get(Kind.OURS).segments();
        int nq = queries.length;
        int exactQ = Math.min(nq, o.exactQueries());
        byte[][] qbits = new byte[nq][];
        for (int i = 0; i < nq; i++) {
            qbits[i] = SignBits.pack(queries[i], 384);
        }
        List<Point> points = new ArrayList<>();
        Index ours = indexes.get(Kind.OURS), flt = indexes.get(Kind.FLOAT), sq1 = indexes.get(Kind.SQ1), bits = indexes.get(Kind.BITS);
        // (oversample, num_candidates): beam = shortlist (plain Hamming HNSW + rescoring), then wider beams narrowed
        // to the shortlist by the asymmetric score
        int[][] oursGrid = {
            { 2, 20 }, { 3, 30 }, { 5, 50 }, { 7, 70 }, { 10, 100 }, { 20, 200 },
            { 1, 100 }, { 2, 100 }, { 3, 60 }, { 3, 100 }, { 4, 100 }, { 5, 100 }, { 5, 150 }, { 10, 200 },
            // wide beams: synthetic 1M needs a beam of ~450 for recall 0.95 (float HNSW efSearch ~150)
            { 20, 400 }, { 20, 600 } };
        for (int[] g : oursGrid) {
            int os = g[0], nc = g[1];
            points.add(new Point(OURS, "oversample " + os + ", num_candidates " + nc, nq, q -> ours.ids(ours.searcher.search(
                BenchQueries.binaryKnn(FIELD, SPEC, queries[q], SignBits.pack(queries[q], 384), K, K * os, nc, true), K))));
        }
        if (segments > 1) {
            // the same queries with the segments' walks on 2 threads (issue 14 goal 5: ≥ 1.6× one thread, same hits)
            for (int[] g : new int[][] { { 2, 20 }, { 3, 30 }, { 5, 50 }, { 10, 100 } }) {
                int os = g[0], nc = g[1];
                points.add(new Point(OURS_2_THREADS, "oversample " + os + ", num_candidates " + nc, nq, q -> ours.ids(ours.concurrentSearcher.search(
                    BenchQueries.binaryKnn(FIELD, SPEC, queries[q], SignBits.pack(queries[q], 384), K, K * os, nc, true), K))));
            }
        }
        Index v0 = indexes.get(Kind.OURS_V0);
        for (int[] g : v0 == null ? new int[0][] : oursGrid) {
            int os = g[0], nc = g[1];
            points.add(new Point(OURS_V0, "oversample " + os + ", num_candidates " + nc, nq, q -> v0.ids(v0.searcher.search(
                BenchQueries.binaryKnn(FIELD, SPEC, queries[q], SignBits.pack(queries[q], 384), K, K * os, nc, true), K))));
        }
        points.add(new Point(OURS_NO_RESCORE, "num_candidates 100", nq, q -> ours.ids(ours.searcher.search(
            BenchQueries.binaryKnn(FIELD, SPEC, queries[q], SignBits.pack(queries[q], 384), K, K, 100, false), K))));
        for (int ef : new int[] { 10, 15, 20, 30, 50, 80, 100, 150, 200, 300 }) {
            points.add(new Point(FLOAT, "efSearch " + ef, nq, q -> flt.ids(flt.searcher.search(new KnnFloatVectorQuery(FIELD, queries[q], ef), K))));
        }
        for (int os : new int[] { 1, 2, 3, 4, 5, 7, 10, 15, 20, 30 }) {
            points.add(new Point(SQ1, "oversample " + os + " (" + K * os + " candidates)", nq, q -> sq1.ids(sq1.searcher.search(
                RescoreTopNQuery.createFullPrecisionRescorerQuery(new KnnFloatVectorQuery(FIELD, queries[q], K * os), queries[q], FIELD, K), K))));
        }
        for (int os : bits == null ? new int[0] : new int[] { 2, 3, 5, 10, 20, 40 }) {
            points.add(new Point(BITS, "oversample " + os + " (" + K * os + " candidates)", nq, q -> bits.ids(bits.searcher.search(
                RescoreTopNQuery.createFullPrecisionRescorerQuery(new KnnByteVectorQuery(BITS_FIELD, SignBits.pack(queries[q], 384), K * os), queries[q], FIELD, K), K))));
        }
        for (int os : new int[] { 1, 5, 10, 20, 50 }) {
            points.add(new Point(EXACT_HAMMING, "oversample " + os, exactQ, q -> exactHamming(ours, queries[q], K * os)));
        }
        points.add(new Point(EXACT_FLOAT, "-", exactQ, q -> exactFloat(flt, queries[q])));

        log("%s: searching %d points, %d queries (exact scans %d) × %d, %d segment(s)", dataset, points.size(), nq, exactQ, reps, segments);
        // warm-up (JIT, page cache)
        for (Point p : points) {
            for (int q = 0; q < Math.min(p.queries(), o.warmup()); q++) {
                p.search().top(q);
            }
        }
        int np = points.size();
        long[][] lat = new long[np][];
        double[] hits = new double[np];
        int[] done = new int[np];
        for (int i = 0; i < np; i++) {
            lat[i] = new long[points.get(i).queries() * reps];
        }
        int chunk = 25;
        for (int rep = 0; rep < reps; rep++) {
            for (int from = 0; from < nq; from += chunk) {
                int to = Math.min(nq, from + chunk);
                for (int i = 0; i < np; i++) {
                    Point p = points.get(i);
                    for (int q = from; q < Math.min(to, p.queries()); q++) {
                        long t0 = System.nanoTime();
                        int[] ids = p.search().top(q);
                        lat[i][done[i]++] = System.nanoTime() - t0;
                        if (rep == 0) {
                            hits[i] += overlap(ids, truth[q]);
                        }
                    }
                }
            }
        }
        List<PointResult> out = new ArrayList<>();
        for (int i = 0; i < np; i++) {
            Point p = points.get(i);
            long[] l = lat[i];
            Arrays.sort(l);
            long total = Arrays.stream(l).sum();
            out.add(new PointResult(
                dataset,
                segments,
                p.contender(),
                p.param(),
                p.queries(),
                hits[i] / (p.queries() * (double) K),
                l.length / (total / 1e9),
                l[(int) Math.min(l.length - 1, Math.floor(0.50 * l.length))] / 1e3,
                l[(int) Math.min(l.length - 1, Math.floor(0.99 * l.length))] / 1e3
            ));
            log("%s [%d seg] %-45s %-40s recall %.3f  QPS %,8.0f", dataset, segments, p.contender(), p.param(), out.get(i).recall(), out.get(i).qps());
        }
        return out;
    }

    private static int overlap(int[] ids, int[] truth) {
        int c = 0;
        for (int id : ids) {
            for (int t : truth) {
                if (id == t) {
                    c++;
                    break;
                }
            }
        }
        return c;
    }

    /** Exact Hamming top k × oversample of each segment by {@link BinaryVectors#exactSearch}, rescored with the floats. */
    private static int[] exactHamming(Index ours, float[] q, int shortlist) throws IOException {
        byte[] bits = SignBits.pack(q, 384);
        TopK top = new TopK(K);
        for (LeafReaderContext ctx : ours.reader.leaves()) {
            BinaryVectors v = BinaryVectors.forLeaf(ctx.reader(), FIELD);
            TopDocs found = v.exactSearch(bits, shortlist, null);
            int[] docs = new int[found.scoreDocs.length];
            for (int i = 0; i < docs.length; i++) {
                docs[i] = found.scoreDocs[i].doc;
            }
            float[] scores = v.rescore(q, docs);
            for (int i = 0; i < docs.length; i++) {
                top.offer(ctx.docBase + docs[i], scores[i]);
            }
        }
        return top.ids(ours.docToId);
    }

    /** Exact dot product against every vector of the float index (off-heap, as stored). */
    private static int[] exactFloat(Index flt, float[] q) throws IOException {
        TopK top = new TopK(K);
        for (LeafReaderContext ctx : flt.reader.leaves()) {
            FloatVectorValues values = ctx.reader().getFloatVectorValues(FIELD);
            for (int ord = 0; ord < values.size(); ord++) {
                top.offer(ctx.docBase + values.ordToDoc(ord), VectorUtil.dotProduct(q, values.vectorValue(ord)));
            }
        }
        return top.ids(flt.docToId);
    }

    /** A tiny top-k by score (ties: lower doc first). */
    private static final class TopK {
        final int[] docs;
        final float[] scores;
        int size;

        TopK(int k) {
            docs = new int[k];
            scores = new float[k];
        }

        void offer(int doc, float score) {
            if (Float.isNaN(score)) {
                return;
            }
            if (size == docs.length && score <= scores[size - 1]) {
                return;
            }
            int i = size == docs.length ? size - 1 : size++;
            while (i > 0 && scores[i - 1] < score) {
                docs[i] = docs[i - 1];
                scores[i] = scores[i - 1];
                i--;
            }
            docs[i] = doc;
            scores[i] = score;
        }

        int[] ids(int[] docToId) {
            int[] out = new int[size];
            for (int i = 0; i < size; i++) {
                out[i] = docToId[docs[i]];
            }
            return out;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ground truth

    private static int[][] groundTruth(Options o, String name, float[][] docs, float[][] queries) throws IOException {
        Path cache = o.work().resolve("..").resolve("gt-" + name + "-" + docs.length + "x" + queries.length + "-" + Arrays.hashCode(queries[0]) + ".bin");
        if (Files.exists(cache)) {
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(cache)))) {
                int[][] t = new int[in.readInt()][];
                for (int i = 0; i < t.length; i++) {
                    t[i] = new int[in.readInt()];
                    for (int j = 0; j < t[i].length; j++) {
                        t[i][j] = in.readInt();
                    }
                }
                return t;
            }
        }
        long t0 = System.nanoTime();
        int[][] truth = new int[queries.length][];
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, o.gtThreads()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int qi = 0; qi < queries.length; qi++) {
                int q = qi;
                fs.add(pool.submit(() -> {
                    TopK top = new TopK(K);
                    for (int d = 0; d < docs.length; d++) {
                        top.offer(d, VectorUtil.dotProduct(queries[q], docs[d]));
                    }
                    truth[q] = Arrays.copyOf(top.docs, top.size);
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log("%s: ground truth (exact float top 10) in %.1f s", name, (System.nanoTime() - t0) / 1e9);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(cache)))) {
            out.writeInt(truth.length);
            for (int[] t : truth) {
                out.writeInt(t.length);
                for (int x : t) {
                    out.writeInt(x);
                }
            }
        }
        return truth;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reporting

    private static String buildTable(List<BuildResult> builds, int n) {
        StringBuilder s = new StringBuilder();
        s.append("### Build (index + force merge, single indexing thread, serial merges) and size on disk\n\n");
        s.append("| contender | index s | merge s | total s | docs/s | disk MB | hot bytes/vector | hot = | Lucene getOffHeapByteSize / vector |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (BuildResult b : builds) {
            StringBuilder off = new StringBuilder();
            b.luceneOffHeap().forEach((k, v) -> off.append(off.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.1f", v / (double) n)));
            s.append(String.format(
                Locale.ROOT,
                "| %s | %.1f | %.1f | %.1f | %,.0f | %.1f | %.1f | %s | %s |%n",
                b.contender(),
                b.indexSeconds(),
                b.mergeSeconds(),
                b.totalSeconds(),
                n / b.totalSeconds(),
                b.totalBytes() / 1e6,
                b.hotBytes() / (double) n,
                b.hotFiles(),
                off
            ));
        }
        s.append("\nFiles by format and extension (bytes per vector):\n\n| contender | files |\n|---|---|\n");
        for (BuildResult b : builds) {
            StringBuilder f = new StringBuilder();
            b.files().forEach((k, v) -> {
                if (v / (double) n >= 0.05) {
                    f.append(f.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.1f", v / (double) n));
                }
            });
            s.append("| ").append(b.contender()).append(" | ").append(f).append(" |\n");
        }
        s.append('\n');
        return s.toString();
    }

    /**
     * Per contender: QPS at recall 0.95 interpolated on its recall/QPS frontier, the best measured point at recall ≥ 0.95
     * and ≥ 0.99, max recall, hot bytes, build; then the goals as ratios of the interpolated QPS (and of the best points).
     */
    private static String headline(List<PointResult> all, List<BuildResult> builds, int segments) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "### Headline (%d segment%s)%n%n", segments, segments == 1 ? "" : "s"));
        s.append("| contender | QPS @ recall 0.95 (interpolated) | best QPS @ recall ≥ 0.95 (point) | @ ≥ 0.99 | max recall | hot bytes/vector | build s |\n");
        s.append("|---|---:|---|---|---:|---:|---:|\n");
        Map<String, BuildResult> byContender = new LinkedHashMap<>();
        for (BuildResult b : builds) {
            byContender.put(b.contender(), b);
        }
        Map<String, PointResult> best95 = new LinkedHashMap<>();
        Map<String, Double> at95 = new LinkedHashMap<>();
        for (String c : new String[] { OURS, OURS_V0, OURS_2_THREADS, FLOAT, SQ1, BITS, EXACT_HAMMING, EXACT_FLOAT, OURS_NO_RESCORE }) {
            List<PointResult> ps = all.stream().filter(p -> p.segments() == segments && p.contender().equals(c)).toList();
            if (ps.isEmpty()) {
                continue;
            }
            PointResult b95 = best(ps, 0.95), b99 = best(ps, 0.99);
            best95.put(c, b95);
            double interpolated = qpsAtRecall(ps, 0.95);
            at95.put(c, interpolated);
            double maxRecall = ps.stream().mapToDouble(PointResult::recall).max().orElse(0);
            BuildResult b = byContender.get(c);
            if (c.equals(OURS_2_THREADS)) {
                b = byContender.get(OURS);
            } else if (c.equals(EXACT_HAMMING)) {
                b = byContender.get(OURS);
            } else if (c.equals(EXACT_FLOAT)) {
                b = byContender.get(FLOAT);
            }
            String hot = b == null || c.equals(OURS_NO_RESCORE) ? "" : String.format(Locale.ROOT, "%.1f", (c.equals(EXACT_HAMMING) ? b.files().getOrDefault("BinaryEmbeddingsHnsw.vec", 0L) : c.equals(EXACT_FLOAT) ? b.files().getOrDefault("Lucene99HnswVectorsFormat.vec", 0L) : b.hotBytes()) / (double) b.n());
            String build = b == null || c.startsWith("exact") || c.equals(OURS_NO_RESCORE) ? "—" : String.format(Locale.ROOT, "%.1f", b.totalSeconds());
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %s | %s |%n", c, Double.isNaN(interpolated) ? "never" : String.format(Locale.ROOT, "%,.0f", interpolated), fmt(b95), fmt(b99), maxRecall, hot, build));
        }
        s.append('\n');
        // goals
        BuildResult bo = byContender.get(OURS), bf = byContender.get(FLOAT);
        s.append(String.format(Locale.ROOT, "### Goals (%d segment%s; ratios from this run)%n%n", segments, segments == 1 ? "" : "s"));
        s.append("| goal | measured: interpolated at recall 0.95 | best points at ≥ 0.95 | met |\n|---|---|---|---|\n");
        // issue 14's goals: 1 (QPS against float HNSW and the 1-bit format), 2 (recall 0.99 within a shortlist of 10 × k),
        // 5 (segments on 2 threads), and its limits on hot bytes and build throughput
        s.append(goal("QPS @ recall ≥ 0.95 ≥ 1.0× float HNSW", at95.getOrDefault(OURS, Double.NaN) / at95.getOrDefault(FLOAT, Double.NaN), ratio(best95.get(OURS), best95.get(FLOAT)), 1.0));
        s.append(goal("QPS @ recall ≥ 0.95 ≥ 1.5× Lucene 1-bit format", at95.getOrDefault(OURS, Double.NaN) / at95.getOrDefault(SQ1, Double.NaN), ratio(best95.get(OURS), best95.get(SQ1)), 1.5));
        PointResult within10k = bestRecallWithin(all.stream().filter(p -> p.segments() == segments && p.contender().equals(OURS)).toList(), 10);
        if (within10k != null) {
            s.append(String.format(Locale.ROOT, "| recall@10 ≥ 0.99 with a shortlist ≤ 10 × k (ours) | %.3f (%s) | | %s |%n", within10k.recall(), within10k.param(),
                within10k.recall() >= 0.99 ? "yes" : "no"));
        }
        if (at95.containsKey(OURS_V0) || best95.containsKey(OURS_V0)) s.append(goal("centred-code graph (v1) ≥ 1.0× the sign-bit graph (v0), same walk", at95.getOrDefault(OURS, Double.NaN) / at95.getOrDefault(OURS_V0, Double.NaN), ratio(best95.get(OURS), best95.get(OURS_V0)), 1.0));
        if (at95.containsKey(OURS_2_THREADS)) {
            s.append(goal("segments on 2 threads ≥ 1.6× one thread (ours)", at95.get(OURS_2_THREADS) / at95.getOrDefault(OURS, Double.NaN), ratio(best95.get(OURS_2_THREADS), best95.get(OURS)), 1.6));
        }
        if (bo != null && bf != null) {
            double hot = bo.hotBytes() / (double) bf.hotBytes();
            s.append(String.format(Locale.ROOT, "| hot bytes/vector ≤ 1/12 of float HNSW | %.1f / %.1f = 1/%.1f | | %s |%n", bo.hotBytes() / (double) bo.n(), bf.hotBytes() / (double) bf.n(), 1 / hot, hot <= 1 / 12.0 ? "yes" : "no"));
            double build = bf.totalSeconds() / bo.totalSeconds();
            s.append(String.format(Locale.ROOT, "| build throughput ≥ 2× float HNSW | %.1f s vs %.1f s = %.2f× | | %s |%n", bo.totalSeconds(), bf.totalSeconds(), build, build >= 2 ? "yes" : "no"));
        }
        s.append('\n');
        return s.toString();
    }

    /**
     * QPS at {@code recall} on the contender's frontier (points no other point beats on both recall and QPS), linear in
     * recall and in log QPS between the two frontier points around it; the best QPS when every point is above it; NaN
     * when none reaches it.
     */
    public static double qpsAtRecall(List<PointResult> points, double recall) {
        List<PointResult> frontier = new ArrayList<>();
        for (PointResult p : points) {
            boolean dominated = false;
            for (PointResult o : points) {
                if (o != p && o.recall() >= p.recall() && o.qps() >= p.qps() && (o.recall() > p.recall() || o.qps() > p.qps())) {
                    dominated = true;
                    break;
                }
            }
            if (dominated == false) {
                frontier.add(p);
            }
        }
        frontier.sort(java.util.Comparator.comparingDouble(PointResult::recall));
        PointResult below = null, above = null;
        for (PointResult p : frontier) {
            if (p.recall() < recall) {
                below = p;
            } else if (above == null) {
                above = p;
            }
        }
        if (above == null) {
            return Double.NaN;
        }
        if (below == null || above.recall() == below.recall()) {
            return above.qps();
        }
        double t = (recall - below.recall()) / (above.recall() - below.recall());
        return Math.exp(Math.log(below.qps()) + t * (Math.log(above.qps()) - Math.log(below.qps())));
    }

    private static double ratio(PointResult a, PointResult b) {
        if (a == null || b == null) {
            return Double.NaN;
        }
        return a.qps() / b.qps();
    }

    private static String goal(String name, double interpolated, double bestPoints, double target) {
        if (Double.isNaN(interpolated)) {
            return "| " + name + " | a contender never reaches recall 0.95 | | no |\n";
        }
        return String.format(Locale.ROOT, "| %s | %.2f× | %.2f× | %s |%n", name, interpolated, bestPoints, interpolated >= target ? "yes" : "no");
    }

    /** The point of highest recall whose oversample (shortlist ÷ k) is at most {@code maxOversample}, or null. */
    private static PointResult bestRecallWithin(List<PointResult> ps, int maxOversample) {
        PointResult best = null;
        for (PointResult p : ps) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("oversample (\\d+)").matcher(p.param());
            if (m.find() && Integer.parseInt(m.group(1)) <= maxOversample && (best == null || p.recall() > best.recall())) {
                best = p;
            }
        }
        return best;
    }

    private static PointResult best(List<PointResult> ps, double recall) {
        PointResult best = null;
        for (PointResult p : ps) {
            if (p.recall() >= recall && (best == null || p.qps() > best.qps())) {
                best = p;
            }
        }
        return best;
    }

    private static String fmt(PointResult p) {
        return p == null ? "never" : String.format(Locale.ROOT, "%,.0f (%s; recall %.3f)", p.qps(), p.param(), p.recall());
    }

    public static String machine() {
        StringBuilder s = new StringBuilder();
        String cpu = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | SecurityException e) {
            // not Linux, or not readable here
        }
        String mem = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    mem = String.format(Locale.ROOT, "%.1f GB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1e6 * 1.024);
                    break;
                }
            }
        } catch (IOException | SecurityException e) {
            // idem
        }
        s.append(String.format(
            Locale.ROOT,
            "Machine: %d cores (availableProcessors), CPU %s, RAM %s, JDK %s (%s), heap max %d MB, Lucene %s; date %s%n",
            Runtime.getRuntime().availableProcessors(),
            cpu,
            mem,
            System.getProperty("java.version"),
            System.getProperty("java.vm.name"),
            Runtime.getRuntime().maxMemory() >> 20,
            org.apache.lucene.util.Version.LATEST,
            java.time.LocalDate.now()
        ));
        return s.toString();
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[%tT] %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
    }
}
