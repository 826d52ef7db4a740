package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.index.ByteVectorValues;
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
 * float fields and, for a field whose graph is over {@link GraphCodes#CENTRED centred codes}, its raw sign bits).
 * Layout: {@link BinaryHnswVectorsFormat}.
 */
final class RescoreVectorsWriter implements Accountable, Closeable {

    private final SegmentWriteState state;
    private final int version;
    private final IndexOutput meta, data;
    private final List<FieldBuffer> fields = new ArrayList<>();
    private boolean finished;

    RescoreVectorsWriter(SegmentWriteState state, int version) throws IOException {
        this.state = state;
        this.version = version;
        IndexOutput metaOut = null, dataOut = null;
        boolean success = false;
        try {
            metaOut = state.directory.createOutput(fileName(state, BinaryHnswVectorsFormat.META_EXTENSION), state.context);
            dataOut = state.directory.createOutput(fileName(state, BinaryHnswVectorsFormat.RESCORE_EXTENSION), state.context);
            CodecUtil.writeIndexHeader(
                metaOut,
                BinaryHnswVectorsFormat.META_CODEC_NAME,
                version,
                state.segmentInfo.getId(),
                state.segmentSuffix
            );
            CodecUtil.writeIndexHeader(
                dataOut,
                BinaryHnswVectorsFormat.RESCORE_CODEC_NAME,
                version,
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
            DocsWithFieldSet docs = field.docs;
            int[] newToOld = null;
            if (sortMap != null) {
                newToOld = new int[field.records.size()];
                docs = new DocsWithFieldSet();
                KnnVectorsWriter.mapOldOrdToNewOrd(field.docs, sortMap, null, newToOld, docs);
            }
            long offset = data.alignFilePointer(Float.BYTES);
            writeInOrder(field.records, newToOld);
            long length = data.getFilePointer() - offset;
            long bitsOffset = data.alignFilePointer(Long.BYTES);
            writeInOrder(field.rawBits, newToOld);
            long bitsLength = data.getFilePointer() - bitsOffset;
            writeValuesMeta(field.field, field.config, offset, length, bitsOffset, bitsLength, field.centroid, field.records.size(), maxDoc, docs);
        }
    }

    private void writeInOrder(List<byte[]> records, int[] newToOld) throws IOException {
        for (int i = 0; i < records.size(); i++) {
            byte[] record = records.get(newToOld == null ? i : newToOld[i]);
            data.writeBytes(record, record.length);
        }
    }

    /**
     * Calls {@code consumer} with each buffered value of {@code field} in doc order, as the rescoring values will give it
     * back (int8 restored), so that flushed and merged segments derive their centred codes from the same values.
     */
    void forEachValue(FieldBuffer field, ValueConsumer consumer) throws IOException {
        float[] value = new float[field.config.dimension()];
        DocIdSetIterator docs = field.docs.iterator();
        for (byte[] record : field.records) {
            int doc = docs.nextDoc();
            field.config.rescorePrecision().decode(record, value);
            consumer.accept(doc, value);
        }
    }

    /** Receives a doc and its value; the array is reused. */
    interface ValueConsumer {
        void accept(int doc, float[] value) throws IOException;
    }

    /**
     * Writes the merged field: its config, its values read from the segments' float values (restored, for int8), and
     * for centred codes its raw sign bits, read from {@code rawBitsState} (whose readers give each segment's raw bits).
     */
    void merge(FieldInfo field, BinaryFieldConfig config, MergeState mergeState, MergeState rawBitsState, float[] centroid) throws IOException {
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
        long length = data.getFilePointer() - offset;
        long bitsOffset = data.alignFilePointer(Long.BYTES);
        if (config.graphCodes() == GraphCodes.CENTRED) {
            FieldInfo bitsField = config.withGraphCodes(GraphCodes.SIGN_BITS).graphFieldInfo(field);
            ByteVectorValues bits = KnnVectorsWriter.MergedVectorValues.mergeByteVectorValues(bitsField, rawBitsState);
            KnnVectorValues.DocIndexIterator bitsIt = bits.iterator();
            int written = 0;
            for (int doc = bitsIt.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = bitsIt.nextDoc()) {
                byte[] b = bits.vectorValue(bitsIt.index());
                data.writeBytes(b, b.length);
                written++;
            }
            if (written != count) {
                throw new IllegalStateException("field [" + field.name + "]: " + count + " merged values but " + written + " sign bit vectors");
            }
        }
        long bitsLength = data.getFilePointer() - bitsOffset;
        writeValuesMeta(field, config, offset, length, bitsOffset, bitsLength, centroid, count, mergeState.segmentInfo.maxDoc(), docs);
    }

    private void writeConfig(FieldInfo field, BinaryFieldConfig config) throws IOException {
        meta.writeInt(field.number);
        meta.writeByte((byte) config.encoding().ordinal());
        meta.writeVInt(config.dimension());
        meta.writeVInt(config.binaryDims());
        meta.writeByte((byte) config.bitSimilarity().ordinal());
        meta.writeByte((byte) config.rescorePrecision().ordinal());
        if (version >= BinaryHnswVectorsFormat.VERSION_CENTRED) {
            meta.writeByte((byte) config.graphCodes().ordinal());
        }
    }

    private void writeValuesMeta(
        FieldInfo field,
        BinaryFieldConfig config,
        long offset,
        long length,
        long bitsOffset,
        long bitsLength,
        float[] centroid,
        int count,
        int maxDoc,
        DocsWithFieldSet docs
    ) throws IOException {
        writeConfig(field, config);
        meta.writeInt(Lucene99HnswVectorsReader.SIMILARITY_FUNCTIONS.indexOf(config.rescoreSimilarity()));
        meta.writeInt(count);
        meta.writeVLong(offset);
        meta.writeVLong(length);
        if (config.graphCodes() == GraphCodes.CENTRED) {
            meta.writeVLong(bitsOffset);
            meta.writeVLong(bitsLength);
            if (centroid == null || centroid.length != config.binaryDims()) {
                throw new IllegalStateException("field [" + field.name + "]: no segment mean for its centred codes");
            }
            for (float v : centroid) {
                meta.writeInt(Float.floatToIntBits(v));
            }
        }
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

    /**
     * The values of one field buffered until flush, already encoded as they will be stored, and for centred codes the
     * raw sign bits of the values as given (an int8 value restored may round to the other sign).
     */
    static final class FieldBuffer implements Accountable {
        private final FieldInfo field;
        private final BinaryFieldConfig config;
        private final DocsWithFieldSet docs = new DocsWithFieldSet();
        private final List<byte[]> records = new ArrayList<>();
        private final List<byte[]> rawBits = new ArrayList<>();
        private final int recordBytes;
        private final long recordRam;
        /** The segment's mean the centred codes were made with, set at flush. */
        float[] centroid;

        FieldBuffer(FieldInfo field, BinaryFieldConfig config) {
            this.field = field;
            this.config = config;
            this.recordBytes = config.rescorePrecision().recordBytes(config.dimension());
            long bitsRam = config.graphCodes() == GraphCodes.CENTRED
                ? RamUsageEstimator.alignObjectSize((long) RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + config.bitBytes())
                    + RamUsageEstimator.NUM_BYTES_OBJECT_REF
                : 0;
            this.recordRam = RamUsageEstimator.alignObjectSize((long) RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + recordBytes)
                + RamUsageEstimator.NUM_BYTES_OBJECT_REF + bitsRam;
        }

        void add(int doc, float[] value) {
            byte[] record = new byte[recordBytes];
            config.rescorePrecision().encode(value, record);
            records.add(record);
            if (config.graphCodes() == GraphCodes.CENTRED) {
                rawBits.add(SignBits.pack(value, config.binaryDims()));
            }
            docs.add(doc);
        }

        int size() {
            return records.size();
        }

        @Override
        public long ramBytesUsed() {
            return docs.ramBytesUsed() + records.size() * recordRam;
        }
    }
}
