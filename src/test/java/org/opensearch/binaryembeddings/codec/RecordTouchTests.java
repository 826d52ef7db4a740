package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;

/** {@link RecordTouch} reads only within the records it is given, whatever their length. */
public class RecordTouchTests extends LuceneTestCase {

    public void testTouchesStayWithinTheFileForAnyRecordLength() throws IOException {
        for (int recordBytes : new int[] { 1, 2, 7, 8, 10, 56, 64, 100, 1536 }) {
            int records = 5;
            try (Directory dir = new MMapDirectory(createTempDir())) {
                try (IndexOutput out = dir.createOutput("r", IOContext.DEFAULT)) {
                    for (int i = 0; i < records * recordBytes; i++) {
                        out.writeByte((byte) 1);
                    }
                }
                try (IndexInput in = dir.openInput("r", IOContext.DEFAULT)) {
                    RandomAccessInput slice = in.randomAccessSlice(0, (long) records * recordBytes);
                    // the last record too, and a negative ordinal (no value) skipped
                    long sum = RecordTouch.touch(slice, recordBytes, new int[] { records - 1, 0, -1, 2 }, 4);
                    assertTrue("record of " + recordBytes + " bytes", sum != 0);
                }
            }
        }
    }
}
