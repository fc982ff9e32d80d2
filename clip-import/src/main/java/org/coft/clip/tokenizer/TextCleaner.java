package org.coft.clip.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

/**
 * CLIP's text cleaning before pre-tokenization, in CLIP's order: Unicode NFC, HTML unescaping twice, every
 * run of whitespace collapsed to one space, leading and trailing whitespace removed, lower case.
 *
 * <p>Whitespace is what Python's {@code str.isspace} accepts (which includes U+001C..U+001F, U+0085,
 * no-break spaces and the U+2000 block, but not U+200B), so that the collapse matches CLIP's
 * {@code re.sub(r'\s+', ' ', text)}. Unpaired surrogates, which cannot be UTF-8 encoded, become U+FFFD.
 *
 * <p>NFC is the one step of {@code ftfy.fix_text} that is reproduced (Hugging Face's fast CLIP tokenizer
 * applies it too); the rest of ftfy (mojibake repair, curly-quote straightening, full-width folding,
 * ligature splitting, terminal-escape removal) is not.
 */
final class TextCleaner {

    private TextCleaner() {
    }

    /** @return {@code text} cleaned as CLIP cleans it before applying the pre-tokenizer pattern */
    static String clean(String text) {
        String s = Normalizer.normalize(replaceUnpairedSurrogates(text), Normalizer.Form.NFC);
        s = HtmlEntities.unescape(HtmlEntities.unescape(s));
        return collapseWhitespace(s).toLowerCase(Locale.ROOT);
    }

    /** @return {@code s} with every whitespace run replaced by one space and no leading or trailing space */
    static String collapseWhitespace(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isPythonWhitespace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** @return whether Python's {@code str.isspace()} is true for {@code c} (all such characters are in the BMP) */
    static boolean isPythonWhitespace(char c) {
        if (c <= ' ') {
            return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
        }
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028
                || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    private static String replaceUnpairedSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean unpaired;
            if (Character.isHighSurrogate(c)) {
                unpaired = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
                if (!unpaired) {
                    if (out != null) {
                        out.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                unpaired = Character.isLowSurrogate(c);
            }
            if (unpaired && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(unpaired ? '\ufffd' : c);
            }
        }
        return out == null ? s : out.toString();
    }
}
