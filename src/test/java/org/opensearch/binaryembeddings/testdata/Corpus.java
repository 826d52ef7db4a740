package org.opensearch.binaryembeddings.testdata;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A retrieval test collection in BEIR's shape: documents, queries, graded judgments (qrels), nDCG.
 *
 * <ul>
 *   <li>{@link #sample()}: the project's own — the demo corpus (src/demo/sample-corpus.jsonl, 150 passages written for
 *       the project, 10 topics) with queries and judgments written for it (src/test/resources/testdata/
 *       sample-queries.jsonl), read from the test classpath. Every test in {@code bin/test} uses this, so the suite
 *       needs nothing outside the repository; {@link #extendedTo} makes it as large as a test needs.</li>
 *   <li>{@link #msmarco()}: the msmarco-5k subset (BEIR layout), for the quality benchmark only
 *       ({@code bin/bench --quality}); it is read at run time from the folder in the system property
 *       {@value #MSMARCO_DIR_PROPERTY} and never copied into the repository.</li>
 * </ul>
 */
public final class Corpus {

    /** System property: the msmarco-5k folder (corpus.jsonl, queries.jsonl, qrels/test.tsv). */
    public static final String MSMARCO_DIR_PROPERTY = "be.msmarco.dir";

    public record Doc(String id, String title, String text) {
        /** Passages are embedded and searched as title + " " + text, as the reference numbers were. */
        public String content() {
            return title.isEmpty() ? text : title + " " + text;
        }
    }

    public record Query(String id, String text) {}

    private static Corpus msmarco;
    private static Corpus sample;

    public final List<Doc> docs;
    public final List<Query> queries;
    /** query id → (doc id → graded relevance 1..3). */
    public final Map<String, Map<String, Integer>> qrels;

    private Corpus(List<Doc> docs, List<Query> queries, Map<String, Map<String, Integer>> qrels) {
        this.docs = Collections.unmodifiableList(docs);
        this.queries = Collections.unmodifiableList(queries);
        this.qrels = Collections.unmodifiableMap(qrels);
    }

    /** The msmarco-5k folder: {@value #MSMARCO_DIR_PROPERTY}, else be.shared.dir/data/msmarco-5k. */
    public static Path msmarcoDir() {
        String dir = System.getProperty(MSMARCO_DIR_PROPERTY, "");
        if (dir.isEmpty() == false) {
            return Path.of(dir);
        }
        return Path.of(System.getProperty("be.shared.dir", "../shared"), "data", "msmarco-5k");
    }

    /** The msmarco-5k quality data set; fails with a message naming the folder and the command when it is missing. */
    public static synchronized Corpus msmarco() {
        if (msmarco == null) {
            Path dir = msmarcoDir();
            try {
                msmarco = readBeir(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(
                    "cannot read msmarco-5k (BEIR layout: corpus.jsonl, queries.jsonl, qrels/test.tsv) from " + dir.toAbsolutePath()
                        + ": it is a quality benchmark data set outside the repository; run bin/bench --quality --data=DIR",
                    e
                );
            }
        }
        return msmarco;
    }

    /** The project's own collection: 150 passages, their queries and judgments, from the test classpath. */
    public static synchronized Corpus sample() {
        if (sample == null) {
            try {
                List<Doc> docs = new ArrayList<>();
                for (Map<String, Object> m : jsonLines(resource("sample-corpus.jsonl"))) {
                    docs.add(new Doc((String) m.get("id"), (String) m.get("title"), (String) m.get("text")));
                }
                List<Query> queries = new ArrayList<>();
                Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
                for (Map<String, Object> m : jsonLines(resource("sample-queries.jsonl"))) {
                    String id = (String) m.get("id");
                    queries.add(new Query(id, (String) m.get("text")));
                    Map<String, Integer> judged = new HashMap<>();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> relevant = (Map<String, Object>) m.get("relevant");
                    relevant.forEach((doc, grade) -> judged.put(doc, ((Number) grade).intValue()));
                    qrels.put(id, judged);
                }
                sample = new Corpus(docs, queries, qrels);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sample;
    }

    private static List<String> resource(String name) throws IOException {
        try (InputStream in = Corpus.class.getResourceAsStream("/testdata/" + name)) {
            if (in == null) {
                throw new IOException("test resource /testdata/" + name + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /**
     * This collection with generated documents appended until it holds {@code n}: each new document joins two
     * sentences of different passages of the same block of 15 consecutive passages (the sample's topics), in a fixed
     * order, so texts are distinct, on topic and the same in every run. Ids {@code g00001}…; queries and judgments stay
     * (generated documents are unjudged).
     */
    public Corpus extendedTo(int n) {
        if (n <= docs.size()) {
            return new Corpus(new ArrayList<>(docs.subList(0, n)), queries, qrels);
        }
        List<List<String>> sentences = new ArrayList<>();
        for (Doc d : docs) {
            sentences.add(List.of(d.text().split("(?<=[.!?])\\s+")));
        }
        List<Doc> out = new ArrayList<>(docs);
        Set<String> seen = new HashSet<>();
        docs.forEach(d -> seen.add(d.text()));
        int block = 15;
        // round r pairs passage i with passage i + r inside its block: round by round, every block gets new texts
        for (int r = 1; r < block && out.size() < n; r++) {
            for (int s = 0; s < 4 && out.size() < n; s++) {
                for (int i = 0; i < docs.size() && out.size() < n; i++) {
                    int j = i / block * block + (i % block + r) % block;
                    if (j >= docs.size()) {
                        continue;
                    }
                    List<String> a = sentences.get(i), b = sentences.get(j);
                    String text = a.get(s % a.size()) + " " + b.get((s / 2) % b.size());
                    if (seen.add(text) == false) {
                        continue; // a passage of one sentence repeats its pairs
                    }
                    out.add(new Doc(String.format(Locale.ROOT, "g%05d", out.size() - docs.size() + 1), "", text));
                }
            }
        }
        if (out.size() < n) {
            throw new IllegalArgumentException("cannot generate " + n + " documents from " + docs.size());
        }
        return new Corpus(out, queries, qrels);
    }

    private static Corpus readBeir(Path dir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (Map<String, Object> m : jsonLines(Files.readAllLines(dir.resolve("corpus.jsonl"), StandardCharsets.UTF_8))) {
            docs.add(new Doc(String.valueOf(m.get("_id")), String.valueOf(m.getOrDefault("title", "")), String.valueOf(m.get("text"))));
        }
        List<Query> queries = new ArrayList<>();
        for (Map<String, Object> m : jsonLines(Files.readAllLines(dir.resolve("queries.jsonl"), StandardCharsets.UTF_8))) {
            queries.add(new Query(String.valueOf(m.get("_id")), String.valueOf(m.get("text"))));
        }
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("qrels").resolve("test.tsv"), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f.length < 3 || f[2].isBlank() || !Character.isDigit(f[2].trim().charAt(0))) {
                continue;
            }
            qrels.computeIfAbsent(f[0], k -> new HashMap<>()).put(f[1], Integer.parseInt(f[2].trim()));
        }
        return new Corpus(docs, queries, qrels);
    }

    private static List<Map<String, Object>> jsonLines(List<String> lines) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            out.add(XContentHelper.convertToMap(JsonXContent.jsonXContent, line, false));
        }
        return out;
    }

    /**
     * A {@code _bulk} body indexing docs {@code [from, to)} under their ids with their content as {@code text}, plus
     * the JSON members {@code extraFields} gives for a doc's position (empty string: none).
     */
    public String bulkBody(int from, int to, IntFunction<String> extraFields) {
        StringBuilder bulk = new StringBuilder();
        for (int i = from; i < Math.min(docs.size(), to); i++) {
            Doc d = docs.get(i);
            String extra = extraFields.apply(i);
            bulk.append("{\"index\":{\"_id\":").append(Json.string(d.id())).append("}}\n");
            bulk.append("{\"text\":").append(Json.string(d.content())).append(extra.isEmpty() ? "" : "," + extra).append("}\n");
        }
        return bulk.toString();
    }

    /** Queries that have judgments (msmarco-5k: 43 of the 50; the sample: all). */
    public List<Query> judgedQueries() {
        return queries.stream().filter(q -> qrels.containsKey(q.id())).toList();
    }

    /**
     * nDCG@k with trec_eval semantics: gain = grade (linear), discount log2(rank + 1), ideal DCG from all judged
     * documents of the query, unjudged documents gain 0. Returns the mean over queries that have judgments.
     */
    public double ndcg(Map<String, List<String>> rankedDocIdsByQuery, int k) {
        double sum = 0;
        int n = 0;
        for (Query q : judgedQueries()) {
            sum += ndcg(qrels.get(q.id()), rankedDocIdsByQuery.getOrDefault(q.id(), List.of()), k);
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    public static double ndcg(Map<String, Integer> judged, List<String> ranked, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            dcg += judged.getOrDefault(ranked.get(i), 0) / log2(i + 2);
        }
        List<Integer> ideal = new ArrayList<>(judged.values());
        ideal.sort(Collections.reverseOrder());
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

}
