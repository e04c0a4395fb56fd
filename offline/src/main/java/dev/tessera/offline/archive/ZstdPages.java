package dev.tessera.offline.archive;

import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Decompresses the ZSTD pages of the files one reader reads with one reused context, each page in
 * one call straight into an array of its known uncompressed size; other codecs (and compression)
 * come from parquet's own factory.
 *
 * <p>Why: parquet's ZSTD codec opens a {@code ZstdInputStream} for every page, which creates a
 * streaming context and allocates its window for every page. Archive files are small (one partition
 * and event hour each: ~800 rows in the benchmark's 12,600 files) and a reader asks for a dozen or more
 * columns, so pages are many and small: the profile of a training-set build showed half of the event
 * pass's native time in {@code createDStream}. A one-shot decompression needs no window.
 *
 * <p>The context is one per thread, reused by every file the thread reads (creating one per file
 * still showed in the profile), and freed when the thread is gone ({@link Cleaner}). Not
 * thread-safe: one instance per reader.
 */
final class ZstdPages implements CompressionCodecFactory, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<ZstdDecompressCtx> CONTEXT = ThreadLocal.withInitial(() -> {
        ZstdDecompressCtx c = new ZstdDecompressCtx();
        CLEANER.register(Thread.currentThread(), c::close);
        return c;
    });

    private final CompressionCodecFactory others;
    private ZstdDecompressCtx context;

    ZstdPages(CompressionCodecFactory others) {
        this.others = others;
    }

    private final BytesInputDecompressor zstd = new BytesInputDecompressor() {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            ByteBuffer in = bytes.toByteBuffer(); // the page's bytes in the chunk read (no copy) when they are on the heap
            byte[] dst = new byte[uncompressedSize];
            int n;
            if (in.hasArray()) {
                n = context().decompressByteArray(dst, 0, uncompressedSize, in.array(), in.arrayOffset() + in.position(), in.remaining());
            } else {
                byte[] src = bytes.toByteArray();
                n = context().decompressByteArray(dst, 0, uncompressedSize, src, 0, src.length);
            }
            if (n != uncompressedSize) {
                throw new IOException("a ZSTD page decompressed to " + n + " bytes, its header says " + uncompressedSize);
            }
            return BytesInput.from(dst);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
            byte[] src = new byte[compressedSize];
            input.duplicate().get(src);
            byte[] dst = new byte[uncompressedSize];
            int n = context().decompressByteArray(dst, 0, uncompressedSize, src, 0, compressedSize);
            if (n != uncompressedSize) {
                throw new IOException("a ZSTD page decompressed to " + n + " bytes, its header says " + uncompressedSize);
            }
            output.put(dst); // as parquet's own decompressors: the output's position advances
        }

        @Override
        public void release() {
        }
    };

    private ZstdDecompressCtx context() {
        if (context == null) {
            context = CONTEXT.get();
        }
        return context;
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return others.getCompressor(codec);
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return codec == CompressionCodecName.ZSTD ? zstd : others.getDecompressor(codec);
    }

    @Override
    public void release() {
        context = null;
        others.release();
    }

    @Override
    public void close() {
        release();
    }
}
