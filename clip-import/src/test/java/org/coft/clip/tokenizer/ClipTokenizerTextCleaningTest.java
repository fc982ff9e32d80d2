package org.coft.clip.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * CLIP's text cleaning. Expected values are what Python gives for
 * {@code re.sub(r'\s+', ' ', html.unescape(html.unescape(unicodedata.normalize('NFC', t))).strip()).strip().lower()}
 * (CLIP's cleaning with ftfy reduced to its NFC step), checked once with Python 3 and written down here.
 */
class ClipTokenizerTextCleaningTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            &amp;amp;                        | &
            caf&eacute; &#233; &#xE9; &#XE9;  | café é é é
            &eacutex                         | éx
            &notit;                          | ¬it;
            &notin;                          | ∉
            &bogus;                          | &bogus;
            &#128;                           | €
            &#159;                           | ÿ
            &#65                             | a
            &#x41x                           | ax
            &#                               | &#
            &#x;                             | &#x;
            &                                | &
            &&amp;                           | &&
            &lang;                           | ⟨
            &AMP;                            | &
            &apos;                           | "'"
            &amp;#233;                       | é
            &ampamp;                         | &
            &Eacute;&EACUTE;                 | é&eacute;
            &#x1F600;                        | 😀
            &hellip; &mdash; &rsquo;         | … — ’
            ÀÉÎ İ                            | àéî i̇
            """)
    void unescapesTwiceAndLowerCases(String input, String expected) {
        assertEquals(expected, TextCleaner.clean(input));
    }

    @ParameterizedTest(name = "U+{0}")
    @CsvSource({
        "0000, \ufffd", "110000, \ufffd", "D800, \ufffd", "99999999999999999999, \ufffd",
        "FFFE, ''", "FDD0, ''", "1, ''", "7F, ''"})
    void numericReferencesFollowHtml5(String hex, String expected) {
        String decimal = new java.math.BigInteger(hex, 16).toString();
        assertEquals(expected, HtmlEntities.unescape("&#x" + hex + ";"));
        assertEquals(expected, HtmlEntities.unescape("&#" + decimal + ";"));
    }

    @org.junit.jupiter.api.Test
    void whitespaceIsCollapsedAsPythonSeesIt() {
        assertEquals("a b\u200bc d", TextCleaner.clean("\u00a0a\u2003b\u200bc\u001fd\n"));
        assertEquals("x", TextCleaner.clean("&#13;x"));
        assertEquals("ab", TextCleaner.clean("&#12ab"));
        assertEquals("", TextCleaner.clean(" \t\r\n\u000b\u000c\u0085\u2028\u3000 "));
    }

    @org.junit.jupiter.api.Test
    void normalisesToNfcAndReplacesUnpairedSurrogates() {
        assertEquals("\u00e9", TextCleaner.clean("e\u0301"));
        assertEquals("a\ufffdb\ufffd", TextCleaner.clean("a\udc00b\ud800"));
        assertEquals("\ud83d\ude00", TextCleaner.clean("\ud83d\ude00"));
    }
}
