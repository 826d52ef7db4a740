package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.codecs.CompoundDirectory;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes per document by part (issue 15): the demo corpus ({@code src/demo/sample-corpus.jsonl}, or a JSONL file of
 * {@code {"text": ...}} lines given as the third argument) indexed through the {@code local_embedding} pipeline into
 * one index per variant (text only; the field's defaults; int8; each with {@code source: stored}, the behaviour before
 * derived source), force-merged to one segment and flushed; then the segment's files are read from the node's data
 * path and summed by part: stored fields ({@code _source}), sign bits, graph, rescoring values, everything else.
 *
 * <p>Arguments: node URL, output markdown file, optional corpus file.
 */
public final class StorageBench {

    private static HttpNode node;

    private record Variant(String name, String field) {}

    private static final List<Variant> VARIANTS = List.of(
        new Variant("text only (no vector field)", null),
        new Variant("`binary_embedding` defaults (float32, derived source)", ""),
        new Variant("`rescore.precision: int8` (derived source)", ",\"rescore\":{\"precision\":\"int8\"}"),
        new Variant("defaults + `source: stored` (before)", ",\"source\":\"stored\""),
        new Variant("int8 + `source: stored` (before)", ",\"rescore\":{\"precision\":\"int8\"},\"source\":\"stored\"")
    );

    public static void main(String[] args) throws Exception {
        node = new HttpNode(args[0]);
        Path out = Path.of(args[1]);
        Path corpus = Path.of(args.length > 2 ? args[2] : "src/demo/sample-corpus.jsonl");
        List<String> lines = Files.readAllLines(corpus).stream().filter(l -> l.isBlank() == false).toList();
        node.call("PUT", "/_ingest/pipeline/storage-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}");
        Path data = node.dataPath();

        StringBuilder md = new StringBuilder();
        md.append("| index | bytes per document | stored fields (`_source`) | sign bits | graph | rescoring values | other |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        int i = 0;
        for (Variant v : VARIANTS) {
            String index = "storage-" + (i++);
            node.call("DELETE", "/" + index + "?ignore_unavailable=true", null);
            String field = v.field() == null ? "" : ",\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"bge-small-en-v1.5-q\"" + v.field() + "}";
            node.call("PUT", "/" + index, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0"
                + (v.field() == null ? "" : ",\"default_pipeline\":\"storage-embed\"") + "},\"mappings\":{\"properties\":{\"id\":{\"type\":\"keyword\"},"
                + "\"title\":{\"type\":\"text\"},\"text\":{\"type\":\"text\"}" + field + "}}}");
            for (int from = 0; from < lines.size(); from += 50) {
                StringBuilder bulk = new StringBuilder();
                for (String line : lines.subList(from, Math.min(lines.size(), from + 50))) {
                    bulk.append("{\"index\":{}}\n").append(line).append('\n');
                }
                Map<String, Object> r = node.call("POST", "/" + index + "/_bulk", bulk.toString());
                if (Boolean.TRUE.equals(r.get("errors"))) {
                    throw new IllegalStateException("bulk errors: " + r);
                }
            }
            node.call("POST", "/" + index + "/_forcemerge?max_num_segments=1&flush=true", null);
            node.call("POST", "/" + index + "/_flush?force=true", null);
            Map<String, Long> parts = parts(data.resolve("indices").resolve(node.indexUuid(index)).resolve("0").resolve("index"));
            long total = parts.values().stream().mapToLong(Long::longValue).sum();
            int n = lines.size();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d |\n", v.name(), total / n, parts.get("stored") / n,
                parts.get("bits") / n, parts.get("graph") / n, parts.get("rescore") / n, parts.get("other") / n));
            node.call("DELETE", "/" + index, null);
        }
        md.append("\n").append(lines.size()).append(" documents from ").append(corpus.getFileName())
            .append(" through the `local_embedding` pipeline (384 dims), one shard force-merged to one segment; bytes of the segment's files by part.\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    /** Sums the files of every segment of the last commit (compound files opened) by part. */
    static Map<String, Long> parts(Path indexDir) throws Exception {
        Map<String, Long> parts = new LinkedHashMap<>();
        for (String p : List.of("stored", "bits", "graph", "rescore", "other")) {
            parts.put(p, 0L);
        }
        try (Directory dir = FSDirectory.open(indexDir)) {
            SegmentInfos infos = SegmentInfos.readLatestCommit(dir);
            for (SegmentCommitInfo sci : infos) {
                for (String file : sci.files()) {
                    if (file.endsWith(".cfs") || file.endsWith(".cfe")) {
                        continue;
                    }
                    add(parts, file, dir.fileLength(file));
                }
                if (sci.info.getUseCompoundFile()) {
                    try (CompoundDirectory cfs = sci.info.getCodec().compoundFormat().getCompoundReader(dir, sci.info)) {
                        for (String file : cfs.listAll()) {
                            add(parts, file, cfs.fileLength(file));
                        }
                    }
                }
            }
        }
        return parts;
    }

    private static void add(Map<String, Long> parts, String file, long length) {
        String ext = file.substring(file.lastIndexOf('.') + 1);
        String part = switch (ext) {
            case "fdt", "fdx", "fdm" -> "stored";
            case "vec", "vemf" -> "bits";
            case "vex", "vem" -> "graph";
            case "brv", "brm" -> "rescore";
            default -> "other";
        };
        parts.merge(part, length, Long::sum);
    }
}
