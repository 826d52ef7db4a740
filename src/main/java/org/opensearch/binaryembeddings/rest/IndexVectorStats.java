package org.opensearch.binaryembeddings.rest;

import org.apache.lucene.codecs.CompoundDirectory;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Bits;
import org.opensearch.binaryembeddings.codec.VectorFileKinds;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldMapper;
import org.opensearch.common.lucene.Lucene;
import org.opensearch.index.IndexService;
import org.opensearch.index.engine.Engine;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.shard.IndexShard;
import org.opensearch.index.shard.IllegalIndexShardStateException;
import org.opensearch.index.shard.IndexShardState;
import org.opensearch.indices.IndicesService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The vector part of a node's stats: for every index on the node with a {@code binary_embedding} field, over the shard
 * copies the node holds (primaries and replicas alike: it is the node's disk and page cache), the vectors per field
 * (live documents with a vector, as searches see them after the last refresh) and the bytes of the codec's files by
 * kind (sign bits, graph, rescoring values), read from the segments' file lists (inside compound files too).
 */
final class IndexVectorStats {

    private IndexVectorStats() {}

    static Map<String, Object> of(IndicesService indices) {
        Map<String, Object> out = new TreeMap<>();
        for (IndexService index : indices) {
            if (BinaryEmbeddingFieldMapper.INDEX_SETTING.get(index.getIndexSettings().getSettings()) == false) {
                continue;
            }
            List<String> fields = new ArrayList<>();
            for (MappedFieldType ft : index.mapperService().fieldTypes()) {
                if (BinaryEmbeddingFieldMapper.CONTENT_TYPE.equals(ft.typeName())) {
                    fields.add(ft.name());
                }
            }
            if (fields.isEmpty()) {
                continue;
            }
            out.put(index.index().getName(), ofIndex(index, fields));
        }
        return out;
    }

    private static Map<String, Object> ofIndex(IndexService index, List<String> fields) {
        Map<String, Long> vectors = new TreeMap<>();
        fields.forEach(f -> vectors.put(f, 0L));
        Map<VectorFileKinds.Kind, Long> bytes = new EnumMap<>(VectorFileKinds.Kind.class);
        for (VectorFileKinds.Kind k : VectorFileKinds.Kind.values()) {
            bytes.put(k, 0L);
        }
        int shards = 0;
        for (IndexShard shard : index) {
            if (shard.state() != IndexShardState.STARTED && shard.state() != IndexShardState.POST_RECOVERY) {
                continue; // recovering or closing: no searcher to read; the next call sees it
            }
            try (Engine.Searcher searcher = shard.acquireSearcher("binary_embeddings_stats")) {
                for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                    addSegment(leaf.reader(), vectors, bytes);
                }
                shards++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (IllegalIndexShardStateException | AlreadyClosedException e) {
                // the shard closed under us (relocation, deletion): leave it out of this answer
            }
        }
        Map<String, Object> byKind = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<VectorFileKinds.Kind, Long> e : bytes.entrySet()) {
            byKind.put(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
            total += e.getValue();
        }
        byKind.put("total", total);
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("shards", shards);
        one.put("vectors", vectors.values().stream().mapToLong(Long::longValue).sum());
        one.put("fields", vectors);
        one.put("bytes", byKind);
        return one;
    }

    private static void addSegment(LeafReader reader, Map<String, Long> vectors, Map<VectorFileKinds.Kind, Long> bytes) throws IOException {
        Map<String, String> suffixes = new LinkedHashMap<>();
        for (FieldInfo fi : reader.getFieldInfos()) {
            String suffix = VectorFileKinds.segmentSuffix(fi);
            if (suffix == null) {
                continue;
            }
            suffixes.put(suffix, fi.name);
            if (vectors.containsKey(fi.name)) {
                vectors.merge(fi.name, liveVectors(reader, fi), Long::sum);
            }
        }
        if (suffixes.isEmpty()) {
            return;
        }
        SegmentCommitInfo info = Lucene.segmentReader(reader).getSegmentInfo();
        String segment = info.info.name;
        Directory dir = info.info.dir;
        if (info.info.getUseCompoundFile()) {
            try (CompoundDirectory cfs = info.info.getCodec().compoundFormat().getCompoundReader(dir, info.info)) {
                addFiles(cfs, cfs.listAll(), segment, suffixes, bytes);
            }
        } else {
            addFiles(dir, info.files().toArray(String[]::new), segment, suffixes, bytes);
        }
    }

    private static void addFiles(Directory dir, String[] files, String segment, Map<String, String> suffixes, Map<VectorFileKinds.Kind, Long> bytes)
        throws IOException {
        for (String file : files) {
            for (String suffix : suffixes.keySet()) {
                VectorFileKinds.Kind kind = VectorFileKinds.kindOf(file, segment, suffix);
                if (kind != null) {
                    bytes.merge(kind, dir.fileLength(file), Long::sum);
                }
            }
        }
    }

    /**
     * Vectors of live documents: the values' size without deletions, else a walk of the vectors' documents. The packed
     * bits are read from the format's reader directly: every field of the format has them (float fields too, whatever
     * their rescoring precision), while the leaf reader would hand out a float field's rescoring values only.
     */
    private static long liveVectors(LeafReader reader, FieldInfo field) throws IOException {
        KnnVectorValues values = Lucene.segmentReader(reader).getVectorReader().getByteVectorValues(field.name);
        if (values == null) {
            return 0;
        }
        Bits live = reader.getLiveDocs();
        if (live == null) {
            return values.size();
        }
        long n = 0;
        KnnVectorValues.DocIndexIterator it = values.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            if (live.get(doc)) {
                n++;
            }
        }
        return n;
    }
}
