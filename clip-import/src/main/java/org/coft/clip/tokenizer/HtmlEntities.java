package org.coft.clip.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * HTML character-reference unescaping with the semantics of Python's {@code html.unescape}, which CLIP's
 * text cleaning applies twice.
 *
 * <p>Numeric references ({@code &#233;}, {@code &#xE9;}, with or without the closing semicolon) follow the
 * HTML5 rules completely: 0 and out-of-range values become U+FFFD, 0x80..0x9F are read as Windows-1252,
 * non-characters and most C0/C1 controls are dropped. Named references are limited to the common set: the
 * 252 entities of HTML 4.01 plus {@code &apos;} (with the HTML5 values, e.g. {@code &lang;} = U+27E8), and,
 * as in HTML5, the 106 legacy names that also work without a semicolon ({@code &amp}, {@code &eacute}, ...,
 * including the longest-prefix rule that turns {@code &notit;} into {@code ¬it;}). The rarer HTML5-only names
 * are not known: most are left as written ({@code &bigstar;}), but the 39 that start with a legacy name get
 * that prefix replaced ({@code &timesb;} becomes {@code ×b;} where Python gives {@code ⊠}). All HTML 4.01
 * names and every numeric reference give exactly what Python gives.
 */
final class HtmlEntities {

    /** Longest name, in code points, that a named reference may have (as in Python's pattern). */
    private static final int MAX_NAME_LENGTH = 32;

    /** Names of U+00A0..U+00FF in order; all of them also work without a semicolon. */
    private static final String LATIN1_NAMES = """
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr
            deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest
            Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml
            ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig
            agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml
            eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml
            """;

    /** The other legacy names that work without a semicolon: name, decimal code point. */
    private static final String LEGACY_NAMES = """
            quot 34 amp 38 lt 60 gt 62 QUOT 34 AMP 38 LT 60 GT 62 COPY 169 REG 174
            """;

    /** Names that need their semicolon: name, decimal code point (HTML 4.01 special and symbol sets, apos). */
    private static final String SEMICOLON_NAMES = """
            apos 39 OElig 338 oelig 339 Scaron 352 scaron 353 Yuml 376 fnof 402 circ 710 tilde 732
            Alpha 913 Beta 914 Gamma 915 Delta 916 Epsilon 917 Zeta 918 Eta 919 Theta 920 Iota 921 Kappa 922
            Lambda 923 Mu 924 Nu 925 Xi 926 Omicron 927 Pi 928 Rho 929 Sigma 931 Tau 932 Upsilon 933 Phi 934
            Chi 935 Psi 936 Omega 937
            alpha 945 beta 946 gamma 947 delta 948 epsilon 949 zeta 950 eta 951 theta 952 iota 953 kappa 954
            lambda 955 mu 956 nu 957 xi 958 omicron 959 pi 960 rho 961 sigmaf 962 sigma 963 tau 964
            upsilon 965 phi 966 chi 967 psi 968 omega 969 thetasym 977 upsih 978 piv 982
            ensp 8194 emsp 8195 thinsp 8201 zwnj 8204 zwj 8205 lrm 8206 rlm 8207 ndash 8211 mdash 8212
            lsquo 8216 rsquo 8217 sbquo 8218 ldquo 8220 rdquo 8221 bdquo 8222 dagger 8224 Dagger 8225
            bull 8226 hellip 8230 permil 8240 prime 8242 Prime 8243 lsaquo 8249 rsaquo 8250 oline 8254
            frasl 8260 euro 8364 image 8465 weierp 8472 real 8476 trade 8482 alefsym 8501
            larr 8592 uarr 8593 rarr 8594 darr 8595 harr 8596 crarr 8629 lArr 8656 uArr 8657 rArr 8658
            dArr 8659 hArr 8660 forall 8704 part 8706 exist 8707 empty 8709 nabla 8711 isin 8712 notin 8713
            ni 8715 prod 8719 sum 8721 minus 8722 lowast 8727 radic 8730 prop 8733 infin 8734 ang 8736
            and 8743 or 8744 cap 8745 cup 8746 int 8747 there4 8756 sim 8764 cong 8773 asymp 8776 ne 8800
            equiv 8801 le 8804 ge 8805 sub 8834 sup 8835 nsub 8836 sube 8838 supe 8839 oplus 8853
            otimes 8855 perp 8869 sdot 8901 lceil 8968 rceil 8969 lfloor 8970 rfloor 8971
            lang 10216 rang 10217 loz 9674 spades 9824 clubs 9827 hearts 9829 diams 9830
            """;

    /** HTML5's reading of numeric references 0x80..0x9F (Windows-1252; five undefined slots stay C1). */
    private static final String WINDOWS_1252_80_9F =
            "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f"
                    + "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

    /** Keys are "name;" for every entity and additionally "name" for the legacy ones. */
    private static final Map<String, String> NAMED = buildTable();

    private HtmlEntities() {
    }

    private static Map<String, String> buildTable() {
        Map<String, String> table = new HashMap<>();
        String[] latin1 = LATIN1_NAMES.trim().split("\\s+");
        for (int i = 0; i < latin1.length; i++) {
            String value = String.valueOf((char) (0xA0 + i));
            table.put(latin1[i] + ";", value);
            table.put(latin1[i], value);
        }
        String[] legacy = LEGACY_NAMES.trim().split("\\s+");
        for (int i = 0; i < legacy.length; i += 2) {
            String value = Character.toString(Integer.parseInt(legacy[i + 1]));
            table.put(legacy[i] + ";", value);
            table.put(legacy[i], value);
        }
        String[] semicolon = SEMICOLON_NAMES.trim().split("\\s+");
        for (int i = 0; i < semicolon.length; i += 2) {
            table.put(semicolon[i] + ";", Character.toString(Integer.parseInt(semicolon[i + 1])));
        }
        return Map.copyOf(table);
    }

    /**
     * Replaces the character references in {@code s}, scanning left to right once (like Python's
     * {@code html.unescape}; the result is not rescanned).
     */
    static String unescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int copied = 0;
        while (amp >= 0) {
            int end = referenceEnd(s, amp + 1);
            if (end < 0) {
                amp = s.indexOf('&', amp + 1);
                continue;
            }
            out.append(s, copied, amp);
            appendReplacement(out, s.substring(amp + 1, end));
            copied = end;
            amp = s.indexOf('&', end);
        }
        return out.append(s, copied, s.length()).toString();
    }

    /**
     * @return the end (exclusive) of a reference body starting at {@code start} (just after '&'), or -1 if
     *         no reference starts there
     */
    private static int referenceEnd(String s, int start) {
        int n = s.length();
        if (start >= n) {
            return -1;
        }
        int i = start;
        if (s.charAt(i) == '#') {
            i++;
            if (i < n && isDecimal(s.charAt(i))) {
                while (i < n && isDecimal(s.charAt(i))) {
                    i++;
                }
            } else if (i + 1 < n && (s.charAt(i) == 'x' || s.charAt(i) == 'X') && isHex(s.charAt(i + 1))) {
                i++;
                while (i < n && isHex(s.charAt(i))) {
                    i++;
                }
            } else {
                return -1;
            }
        } else {
            int codePoints = 0;
            while (i < n && codePoints < MAX_NAME_LENGTH && isNameChar(s.charAt(i))) {
                i += Character.charCount(s.codePointAt(i));
                codePoints++;
            }
            if (i == start) {
                return -1;
            }
        }
        return i < n && s.charAt(i) == ';' ? i + 1 : i;
    }

    private static boolean isDecimal(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDecimal(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isNameChar(char c) {
        return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
    }

    private static void appendReplacement(StringBuilder out, String body) {
        if (body.charAt(0) == '#') {
            out.append(numericReplacement(body));
            return;
        }
        String value = NAMED.get(body);
        if (value != null) {
            out.append(value);
            return;
        }
        for (int length = body.length() - 1; length > 1; length--) {
            value = NAMED.get(body.substring(0, length));
            if (value != null) {
                out.append(value).append(body, length, body.length());
                return;
            }
        }
        out.append('&').append(body);
    }

    private static String numericReplacement(String body) {
        boolean hex = body.charAt(1) == 'x' || body.charAt(1) == 'X';
        int radix = hex ? 16 : 10;
        int from = hex ? 2 : 1;
        int to = body.endsWith(";") ? body.length() - 1 : body.length();
        long value = 0;
        for (int i = from; i < to && value <= Character.MAX_CODE_POINT; i++) {
            value = value * radix + Character.digit(body.charAt(i), radix);
        }
        if (value == 0) {
            return "\ufffd";
        }
        if (value == 0x0D) {
            return "\r";
        }
        if (value >= 0x80 && value <= 0x9F) {
            return String.valueOf(WINDOWS_1252_80_9F.charAt((int) value - 0x80));
        }
        if (value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
            return "\ufffd";
        }
        int cp = (int) value;
        if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            return "";
        }
        return Character.toString(cp);
    }
}
