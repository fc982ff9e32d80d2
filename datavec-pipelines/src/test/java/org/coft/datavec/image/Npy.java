package org.coft.datavec.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal reader for the .npy files the fixture script writes: C order, dtype uint8 or little-endian float32. */
record Npy(String descr, int[] shape, ByteBuffer data) {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static Npy read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] header = new byte[headerLen];
        buf.get(header);
        String text = new String(header, StandardCharsets.ISO_8859_1);
        if (text.contains("'fortran_order': True")) {
            throw new IOException(file + ": Fortran order not supported");
        }
        Matcher d = DESCR.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !s.find()) {
            throw new IOException(file + ": cannot parse header " + text);
        }
        int[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        return new Npy(d.group(1), shape, buf.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    int size() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    /** @return the values as floats (uint8 as 0..255) */
    float[] asFloats() {
        float[] out = new float[size()];
        switch (descr) {
            case "|u1" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = data.get(i) & 0xFF;
                }
            }
            case "<f4" -> data.asFloatBuffer().get(out);
            default -> throw new IllegalStateException("dtype " + descr + " not supported");
        }
        return out;
    }
}
