package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.index.DocsWithFieldSet;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.RamUsageEstimator;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the meta file (every field's {@link BinaryFieldConfig}) and the rescoring file (full-precision values of the
 * float fields). Layout: {@link BinaryHnswVectorsFormat}.
 */
final class RescoreVectorsWriter implements Accountable, Closeable {

    private final SegmentWriteState state;
    private final IndexOutput meta, data;
    private final List<FieldBuffer> fields = new ArrayList<>();
    private boolean finished;

    RescoreVectorsWriter(SegmentWriteState state) throws IOException {
        this.state = state;
        IndexOutput metaOut = null, dataOut = null;
        boolean success = false;
        try {
            metaOut = state.directory.createOutput(fileName(state, BinaryHnswVectorsFormat.META_EXTENSION), state.context);
            dataOut = state.directory.createOutput(fileName(state, BinaryHnswVectorsFormat.RESCORE_EXTENSION), state.context);
            CodecUtil.writeIndexHeader(
                metaOut,
                BinaryHnswVectorsFormat.META_CODEC_NAME,
                BinaryHnswVectorsFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix
            );
            CodecUtil.writeIndexHeader(
                dataOut,
                BinaryHnswVectorsFormat.RESCORE_CODEC_NAME,
                BinaryHnswVectorsFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix
            );
            success = true;
        } finally {
            if (success == false) {
                IOUtils.closeWhileHandlingException(metaOut, dataOut);
            }
        }
        this.meta = metaOut;
        this.data = dataOut;
    }

    private static String fileName(SegmentWriteState state, String extension) {
        return IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension);
    }

    /** Registers a field being indexed; values are added to the returned buffer when the field has rescoring values. */
    FieldBuffer addField(FieldInfo field, BinaryFieldConfig config) {
        FieldBuffer buffer = new FieldBuffer(field, config);
        fields.add(buffer);
        return buffer;
    }

    void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
        for (FieldBuffer field : fields) {
            if (field.config.hasRescoringValues() == false) {
                writeConfig(field.field, field.config);
                continue;
            }
            long offset = data.alignFilePointer(Float.BYTES);
            DocsWithFieldSet docs = field.docs;
            if (sortMap == null) {
                for (byte[] record : field.records) {
                    data.writeBytes(record, record.length);
                }
            } else {
                int[] newToOld = new int[field.records.size()];
                docs = new DocsWithFieldSet();
                KnnVectorsWriter.mapOldOrdToNewOrd(field.docs, sortMap, null, newToOld, docs);
                for (int oldOrd : newToOld) {
                    byte[] record = field.records.get(oldOrd);
                    data.writeBytes(record, record.length);
                }
            }
            writeValuesMeta(field.field, field.config, offset, field.records.size(), maxDoc, docs);
        }
    }

    /** Writes the merged field: its config, and its values read from the segments' float values (restored, for int8). */
    void merge(FieldInfo field, BinaryFieldConfig config, MergeState mergeState) throws IOException {
        if (config.hasRescoringValues() == false) {
            writeConfig(field, config);
            return;
        }
        FloatVectorValues merged = KnnVectorsWriter.MergedVectorValues.mergeFloatVectorValues(field, mergeState);
        long offset = data.alignFilePointer(Float.BYTES);
        byte[] record = new byte[config.rescorePrecision().recordBytes(config.dimension())];
        DocsWithFieldSet docs = new DocsWithFieldSet();
        KnnVectorValues.DocIndexIterator it = merged.iterator();
        int count = 0;
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            config.rescorePrecision().encode(merged.vectorValue(it.index()), record);
            data.writeBytes(record, record.length);
            docs.add(doc);
            count++;
        }
        writeValuesMeta(field, config, offset, count, mergeState.segmentInfo.maxDoc(), docs);
    }

    private void writeConfig(FieldInfo field, BinaryFieldConfig config) throws IOException {
        meta.writeInt(field.number);
        meta.writeByte((byte) config.encoding().ordinal());
        meta.writeVInt(config.dimension());
        meta.writeVInt(config.binaryDims());
        meta.writeByte((byte) config.bitSimilarity().ordinal());
        meta.writeByte((byte) config.rescorePrecision().ordinal());
    }

    private void writeValuesMeta(FieldInfo field, BinaryFieldConfig config, long offset, int count, int maxDoc, DocsWithFieldSet docs)
        throws IOException {
        long length = data.getFilePointer() - offset;
        writeConfig(field, config);
        meta.writeInt(Lucene99HnswVectorsReader.SIMILARITY_FUNCTIONS.indexOf(config.rescoreSimilarity()));
        meta.writeInt(count);
        meta.writeVLong(offset);
        meta.writeVLong(length);
        OrdToDocDISIReaderConfiguration.writeStoredMeta(BinaryHnswVectorsFormat.DIRECT_MONOTONIC_BLOCK_SHIFT, meta, data, count, maxDoc, docs);
    }

    void finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        finished = true;
        meta.writeInt(-1);
        CodecUtil.writeFooter(meta);
        CodecUtil.writeFooter(data);
    }

    @Override
    public long ramBytesUsed() {
        long total = 0;
        for (FieldBuffer field : fields) {
            total += field.ramBytesUsed();
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(meta, data);
    }

    /** The values of one field buffered until flush, already encoded as they will be stored. */
    static final class FieldBuffer implements Accountable {
        private final FieldInfo field;
        private final BinaryFieldConfig config;
        private final DocsWithFieldSet docs = new DocsWithFieldSet();
        private final List<byte[]> records = new ArrayList<>();
        private final int recordBytes;
        private final long recordRam;

        FieldBuffer(FieldInfo field, BinaryFieldConfig config) {
            this.field = field;
            this.config = config;
            this.recordBytes = config.rescorePrecision().recordBytes(config.dimension());
            this.recordRam = RamUsageEstimator.alignObjectSize((long) RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + recordBytes)
                + RamUsageEstimator.NUM_BYTES_OBJECT_REF;
        }

        void add(int doc, float[] value) {
            byte[] record = new byte[recordBytes];
            config.rescorePrecision().encode(value, record);
            records.add(record);
            docs.add(doc);
        }

        @Override
        public long ramBytesUsed() {
            return docs.ramBytesUsed() + records.size() * recordRam;
        }
    }
}
