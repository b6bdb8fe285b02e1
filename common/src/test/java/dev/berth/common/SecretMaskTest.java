package dev.berth.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMaskTest {
    private static final String SECRET = "pA55w0rd/with+special?&chars>>?";
    private final SecretMask mask = SecretMask.of(List.of(SECRET));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void hidesTheValueAsItIs() {
        assertThat(mask.redact("password is " + SECRET + ".")).isEqualTo("password is ***.");
    }

    @Test
    void hidesItsBase64WithAndWithoutPadding() {
        String padded = Base64.getEncoder().encodeToString(utf8(SECRET));
        String bare = Base64.getEncoder().withoutPadding().encodeToString(utf8(SECRET));
        assertThat(padded).endsWith("=");
        assertThat(mask.redact("b64: " + padded + " end")).isEqualTo("b64: *** end");
        assertThat(mask.redact("b64: " + bare + " end")).isEqualTo("b64: *** end");
    }

    @Test
    void hidesItsBase64UrlWithAndWithoutPadding() {
        String padded = Base64.getUrlEncoder().encodeToString(utf8(SECRET));
        String bare = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(SECRET));
        assertThat(padded).isNotEqualTo(Base64.getEncoder().encodeToString(utf8(SECRET)));
        assertThat(mask.redact("u: " + padded)).isEqualTo("u: ***");
        assertThat(mask.redact("u: " + bare)).isEqualTo("u: ***");
    }

    @Test
    void hidesWhatEchoPipedToBase64Prints() {
        String echoed = Base64.getEncoder().encodeToString(utf8(SECRET + "\n"));
        assertThat(mask.redact(echoed)).isEqualTo("***");
        SecretMask shortOne = SecretMask.of(List.of("hunter2"));
        assertThat(shortOne.redact(Base64.getEncoder().encodeToString(utf8("hunter2\n"))))
                .isEqualTo("***");
    }

    @Test
    void hidesItsHexInLowerAndUpperCase() {
        String lower = HexFormat.of().formatHex(utf8(SECRET));
        String upper = HexFormat.of().withUpperCase().formatHex(utf8(SECRET));
        assertThat(mask.redact("hex " + lower)).isEqualTo("hex ***");
        assertThat(mask.redact("HEX " + upper)).isEqualTo("HEX ***");
    }

    @Test
    void hidesItsUrlEncodedForm() {
        String encoded = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
        assertThat(encoded).isNotEqualTo(SECRET);
        assertThat(mask.redact("GET /login?p=" + encoded + "&x=1")).isEqualTo("GET /login?p=***&x=1");
        SecretMask spaced = SecretMask.of(List.of("two words here"));
        assertThat(spaced.redact("q=two%20words%20here")).isEqualTo("q=***");
        assertThat(spaced.redact("q=two+words+here")).isEqualTo("q=***");
    }

    @Test
    void hidesARunOfEightCharactersOfALongSecret() {
        assertThat(mask.redact("starts with pA55w0rd, ends with ial?&chars"))
                .isEqualTo("starts with ***, ends with ***");
        assertThat(mask.redact("middle: 0rd/with+sp!")).isEqualTo("middle: ***!");
        // Seven characters are not a part.
        assertThat(mask.redact("pA55w0r")).isEqualTo("pA55w0r");
    }

    @Test
    void hidesAPartInHexAndInsideALongerBase64TextAtAnyOffset() {
        String part = SECRET.substring(5, 17);
        assertThat(mask.redact(HexFormat.of().formatHex(utf8(part)))).isEqualTo("***");
        assertThat(mask.redact(HexFormat.of().withUpperCase().formatHex(utf8(part))))
                .isEqualTo("***");
        for (String prefix : List.of("", "a", "ab", "abc", "DB_PASSWORD=")) {
            String encoded = Base64.getEncoder().encodeToString(utf8(prefix + SECRET + " and more text"));
            assertThat(mask.redact(encoded)).as(prefix).contains("***").doesNotContain(encoded);
            String encodedPart = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(prefix + part));
            assertThat(mask.redact(encodedPart)).as(prefix).contains("***");
        }
    }

    @Test
    void leavesShortValuesAndPartsOfMidLengthValuesAlone() {
        SecretMask tiny = SecretMask.of(List.of("on", "1"));
        assertThat(tiny.redact("feature on = 1")).isEqualTo("feature on = 1");
        // Eleven characters: hidden whole (and encoded), not in part.
        SecretMask mid = SecretMask.of(List.of("abcdefghijk"));
        assertThat(mid.redact("abcdefghijk")).isEqualTo("***");
        assertThat(mid.redact("abcdefghij")).isEqualTo("abcdefghij");
    }

    @Test
    void hidesWholeOnlyValuesWithoutTheirParts() {
        SecretMask urls = SecretMask.of(List.of(), List.of("services/T000/B000/XXXXXXXXXXXXXXXX"));
        assertThat(urls.redact("2 services updated")).isEqualTo("2 services updated");
        assertThat(urls.redact("url /services/T000/B000/XXXXXXXXXXXXXXXX")).isEqualTo("url /***");
        assertThat(urls.redact(URLEncoder.encode("services/T000/B000/XXXXXXXXXXXXXXXX", StandardCharsets.UTF_8)))
                .isEqualTo("***");
    }

    @Test
    void anEmptyMaskChangesNothingAndNamesNoValue() {
        assertThat(SecretMask.NONE.redact("anything")).isEqualTo("anything");
        assertThat(SecretMask.NONE.isEmpty()).isTrue();
        assertThat(mask.toString()).doesNotContain(SECRET).doesNotContain("pA55");
    }
}
