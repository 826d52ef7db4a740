package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.bitsField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.doc;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.floatField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.gaussian;
import static org.opensearch.binaryembeddings.testsupport.Vectors.unit;


/**
 * One flipped byte anywhere in a data file of the format (.brv rescoring values, .vec packed bits, .vex graph) makes
 * the segment fail to open with a checksum error. Lucene itself verifies those files only at merges and CheckIndex: a
 * reader that opened them unverified would rescore with wrong values or walk a wrong graph without any error.
 */
public class BinaryHnswCorruptionTests extends LuceneTestCase {

    private static final int DIMS = 48;
    /** Enough vectors for Lucene to build a graph (it skips graphs of small segments). */
    private static final int DOCS = 1000;

    /** One segment, not compound, with a float32, an int8 and a packed-bits field. */
    private static Directory index() throws IOException {
        Directory dir = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()))
            .setUseCompoundFile(false)
            .setMergePolicy(NoMergePolicy.INSTANCE);
        try (IndexWriter w = new IndexWriter(dir, config)) {
            for (int i = 0; i < DOCS; i++) {
                float[] v = unit(gaussian(random(), DIMS));
                Document d = doc(
                    new StringField("id", Integer.toString(i), Field.Store.NO),
                    floatField("f32", v, VectorSimilarityFunction.COSINE, DIMS, BitSimilarity.HAMMING, RescorePrecision.FLOAT32),
                    floatField("i8", v, VectorSimilarityFunction.COSINE, 32, BitSimilarity.JACCARD, RescorePrecision.INT8),
                    bitsField("bits", SignBits.pack(v, DIMS), BitSimilarity.HAMMING)
                );
                w.addDocument(d);
            }
            w.commit();
        }
        return dir;
    }

    /** The index's files with the given extension (one per segment and format instance). */
    private static List<String> filesWithExtension(Directory dir, String extension) throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : dir.listAll()) {
            if (f.endsWith("." + extension)) {
                out.add(f);
            }
        }
        return out;
    }

    /** A copy of {@code dir} with one byte of {@code file} inverted at {@code position}. */
    private static Directory copyWithFlippedByte(Directory dir, String file, long position) throws IOException {
        Directory copy = new ByteBuffersDirectory();
        for (String f : dir.listAll()) {
            byte[] bytes;
            try (IndexInput in = dir.openInput(f, IOContext.READONCE)) {
                bytes = new byte[Math.toIntExact(in.length())];
                in.readBytes(bytes, 0, bytes.length);
            }
            if (f.equals(file)) {
                bytes[Math.toIntExact(position)] ^= (byte) 0xFF;
            }
            try (IndexOutput out = copy.createOutput(f, IOContext.DEFAULT)) {
                out.writeBytes(bytes, bytes.length);
            }
        }
        return copy;
    }

    public void testFlippedByteInAnyDataFileFailsTheOpen() throws IOException {
        try (Directory dir = index()) {
            try (DirectoryReader reader = DirectoryReader.open(dir)) { // intact, it opens
                LeafReader leaf = getOnlyLeafReader(reader);
                for (String field : new String[] { "f32", "i8", "bits" }) {
                    BinaryVectors v = BinaryVectors.forLeaf(leaf, field);
                    assertNotNull(field, v);
                    assertEquals(DOCS, v.bitValues().size());
                }
            }
            for (String extension : BinaryHnswVectorsFormat.DATA_EXTENSIONS) {
                List<String> files = filesWithExtension(dir, extension);
                assertEquals(extension + " files: " + Arrays.toString(dir.listAll()), 1, files.size());
                String file = files.get(0);
                long length = dir.fileLength(file);
                long headerEnd;
                try (IndexInput in = dir.openInput(file, IOContext.READONCE)) {
                    headerEnd = CodecUtil.readIndexHeader(in).length;
                }
                assertTrue(file + " has data between header and footer (" + length + " bytes)", length - CodecUtil.footerLength() > headerEnd);
                // the middle of the file, and a random byte between its header and its footer
                long[] positions = { length / 2, headerEnd + random().nextLong(length - CodecUtil.footerLength() - headerEnd) };
                for (long position : positions) {
                    try (Directory corrupt = copyWithFlippedByte(dir, file, position)) {
                        CorruptIndexException e = expectThrows(CorruptIndexException.class, () -> DirectoryReader.open(corrupt).close());
                        assertTrue(file + " @" + position + ": " + e.getMessage(), e.getMessage().contains("checksum failed"));
                        assertTrue(file + " @" + position + ": " + e.getMessage(), e.getMessage().contains(file));
                    }
                }
            }
        }
    }
}
