package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.lucene95.OffHeapByteVectorValues;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.FileDataHint;
import org.apache.lucene.store.FileTypeHint;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.IOUtils;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the meta file (each field's {@link BinaryFieldConfig}) and opens the rescoring file; values are read from it
 * off-heap by {@link RescoreVectorValues}.
 */
final class RescoreVectorsReader implements Closeable {

    /**
     * One field of the meta file; the values part is absent (count -1) for fields without rescoring values, the raw
     * sign bits (bitsLength 0) for fields whose graph is over the sign bits themselves.
     */
    record Entry(
        FieldInfo field,
        BinaryFieldConfig config,
        int count,
        long offset,
        long length,
        long bitsOffset,
        long bitsLength,
        float[] centroid,
        OrdToDocDISIReaderConfiguration docs
    ) {}

    private final Map<String, Entry> entries = new HashMap<>();
    private final IndexInput data;

    RescoreVectorsReader(SegmentReadState state) throws IOException {
        String metaName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, BinaryHnswVectorsFormat.META_EXTENSION);
        int version;
        try (ChecksumIndexInput meta = state.directory.openChecksumInput(metaName)) {
            Throwable failure = null;
            version = -1;
            try {
                version = CodecUtil.checkIndexHeader(
                    meta,
                    BinaryHnswVectorsFormat.META_CODEC_NAME,
                    BinaryHnswVectorsFormat.VERSION_START,
                    BinaryHnswVectorsFormat.VERSION_CURRENT,
                    state.segmentInfo.getId(),
                    state.segmentSuffix
                );
                readEntries(meta, state.fieldInfos, version);
            } catch (Throwable t) {
                failure = t;
            } finally {
                CodecUtil.checkFooter(meta, failure);
            }
        }
        String dataName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, BinaryHnswVectorsFormat.RESCORE_EXTENSION);
        // a query reads only its shortlist's records: random access, no read-ahead
        IndexInput in = state.directory.openInput(
            dataName,
            state.context.withHints(FileTypeHint.DATA, FileDataHint.KNN_VECTORS, DataAccessHint.RANDOM)
        );
        boolean success = false;
        try {
            int dataVersion = CodecUtil.checkIndexHeader(
                in,
                BinaryHnswVectorsFormat.RESCORE_CODEC_NAME,
                BinaryHnswVectorsFormat.VERSION_START,
                BinaryHnswVectorsFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix
            );
            if (dataVersion != version) {
                throw new CorruptIndexException("format versions mismatch: meta=" + version + ", rescore=" + dataVersion, in);
            }
            CodecUtil.retrieveChecksum(in);
            success = true;
        } finally {
            if (success == false) {
                IOUtils.closeWhileHandlingException(in);
            }
        }
        this.data = in;
    }

    private void readEntries(ChecksumIndexInput meta, FieldInfos fieldInfos, int version) throws IOException {
        for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
            FieldInfo field = fieldInfos.fieldInfo(number);
            if (field == null) {
                throw new CorruptIndexException("invalid field number: " + number, meta);
            }
            VectorEncoding encoding = enumAt(VectorEncoding.values(), meta.readByte(), meta);
            int dimension = meta.readVInt();
            int binaryDims = meta.readVInt();
            BitSimilarity bitSimilarity = enumAt(BitSimilarity.values(), meta.readByte(), meta);
            RescorePrecision precision = enumAt(RescorePrecision.values(), meta.readByte(), meta);
            GraphCodes codes = version >= BinaryHnswVectorsFormat.VERSION_CENTRED
                ? enumAt(GraphCodes.values(), meta.readByte(), meta)
                : GraphCodes.SIGN_BITS;
            if (encoding != field.getVectorEncoding() || dimension != field.getVectorDimension()) {
                throw new CorruptIndexException(
                    "field [" + field.name + "] is " + field.getVectorEncoding() + "×" + field.getVectorDimension() + " but the meta file says "
                        + encoding + "×" + dimension,
                    meta
                );
            }
            Entry entry;
            if (precision == RescorePrecision.NONE) {
                entry = new Entry(
                    field,
                    config(field, dimension, encoding, binaryDims, bitSimilarity, precision, null, codes, meta),
                    -1,
                    0,
                    0,
                    0,
                    0,
                    null,
                    null
                );
            } else {
                int simOrd = meta.readInt();
                if (simOrd < 0 || simOrd >= Lucene99HnswVectorsReader.SIMILARITY_FUNCTIONS.size()) {
                    throw new CorruptIndexException("invalid similarity function " + simOrd, meta);
                }
                VectorSimilarityFunction similarity = Lucene99HnswVectorsReader.SIMILARITY_FUNCTIONS.get(simOrd);
                if (similarity != field.getVectorSimilarityFunction()) {
                    throw new CorruptIndexException(
                        "field [" + field.name + "] has similarity " + field.getVectorSimilarityFunction() + ", meta file " + similarity,
                        meta
                    );
                }
                int count = meta.readInt();
                long offset = meta.readVLong();
                long length = meta.readVLong();
                long bitsOffset = 0, bitsLength = 0;
                float[] centroid = null;
                if (codes == GraphCodes.CENTRED) {
                    bitsOffset = meta.readVLong();
                    bitsLength = meta.readVLong();
                    centroid = new float[binaryDims];
                    for (int i = 0; i < binaryDims; i++) {
                        centroid[i] = Float.intBitsToFloat(meta.readInt());
                    }
                }
                OrdToDocDISIReaderConfiguration docs = OrdToDocDISIReaderConfiguration.fromStoredMeta(meta, count);
                BinaryFieldConfig config = config(field, dimension, encoding, binaryDims, bitSimilarity, precision, similarity, codes, meta);
                if (length != (long) count * precision.recordBytes(dimension)) {
                    throw new CorruptIndexException("field [" + field.name + "]: " + count + " values in " + length + " bytes", meta);
                }
                if (codes == GraphCodes.CENTRED && bitsLength != (long) count * config.bitBytes()) {
                    throw new CorruptIndexException("field [" + field.name + "]: " + count + " sign bit vectors in " + bitsLength + " bytes", meta);
                }
                entry = new Entry(field, config, count, offset, length, bitsOffset, bitsLength, centroid, docs);
            }
            if (entries.put(field.name, entry) != null) {
                throw new CorruptIndexException("duplicate field: " + field.name, meta);
            }
        }
    }

    private static BinaryFieldConfig config(
        FieldInfo field,
        int dimension,
        VectorEncoding encoding,
        int binaryDims,
        BitSimilarity bitSimilarity,
        RescorePrecision precision,
        VectorSimilarityFunction similarity,
        GraphCodes codes,
        IndexInput meta
    ) throws CorruptIndexException {
        try {
            return new BinaryFieldConfig(dimension, encoding, binaryDims, bitSimilarity, precision, similarity, codes);
        } catch (IllegalArgumentException e) {
            throw new CorruptIndexException("field [" + field.name + "]: " + e.getMessage(), meta, e);
        }
    }

    private static <E> E enumAt(E[] values, int ordinal, IndexInput in) throws CorruptIndexException {
        if (ordinal < 0 || ordinal >= values.length) {
            throw new CorruptIndexException("invalid ordinal " + ordinal + " for " + values.getClass().getComponentType().getSimpleName(), in);
        }
        return values[ordinal];
    }

    /** The field's entry, or null when this format does not hold the field in this segment. */
    Entry entry(String field) {
        return entries.get(field);
    }

    /**
     * The segment's field infos as the packed-bits and graph files know them: each field of this format replaced by
     * its {@link BinaryFieldConfig#graphFieldInfo graph view}, the other fields as they are.
     */
    FieldInfos graphFieldInfos(FieldInfos fieldInfos) {
        FieldInfo[] infos = new FieldInfo[fieldInfos.size()];
        int i = 0;
        for (FieldInfo field : fieldInfos) {
            Entry entry = entries.get(field.name);
            infos[i++] = entry == null ? field : entry.config().graphFieldInfo(field);
        }
        return new FieldInfos(infos);
    }

    /** The rescoring values of a field that has them; their {@code scorer} is {@code bitScorers}. */
    RescoreVectorValues values(String field, RescoreVectorValues.BitScorers bitScorers) throws IOException {
        Entry entry = entries.get(field);
        if (entry == null || entry.config().hasRescoringValues() == false) {
            throw new IllegalArgumentException("field [" + field + "] has no rescoring values");
        }
        BinaryFieldConfig config = entry.config();
        return RescoreVectorValues.load(
            config.rescorePrecision(),
            config.rescoreSimilarity(),
            bitScorers,
            config.dimension(),
            entry.count(),
            entry.offset(),
            entry.length(),
            entry.docs(),
            data
        );
    }

    /**
     * The raw sign bits of a field whose graph is over {@link GraphCodes#CENTRED centred codes}, read off-heap in
     * ordinal order, scored by the field's bit similarity.
     */
    ByteVectorValues rawBits(String field) throws IOException {
        Entry entry = entries.get(field);
        if (entry == null || entry.config().graphCodes() != GraphCodes.CENTRED) {
            throw new IllegalArgumentException("field [" + field + "] keeps no sign bits beside its rescoring values");
        }
        BinaryFieldConfig config = entry.config();
        return OffHeapByteVectorValues.load(
            config.bitSimilarity().graphTag(),
            BitVectorsScorer.INSTANCE,
            entry.docs(),
            VectorEncoding.BYTE,
            config.bitBytes(),
            entry.bitsOffset(),
            entry.bitsLength(),
            data
        );
    }

    void checkIntegrity() throws IOException {
        CodecUtil.checksumEntireFile(data);
    }

    @Override
    public void close() throws IOException {
        data.close();
    }
}
