"""An XSS corpus for the one Markdown door (workspace.core.text.render_markdown), and a checker that reads
the sanitized output the way a browser would.

PAYLOADS are hostile Markdown sources (mostly from the OWASP XSS filter evasion cheat sheet, the PortSwigger
XSS cheat sheet and published bleach/DOMPurify mutation-XSS bypasses); ORDINARY are everyday posts with the
HTML fragments they must still produce. assert_inert() parses HTML with html5lib (the WHATWG tree builder
bleach itself vendors) and fails on anything outside the allowlist in workspace.core.text.
"""

from __future__ import annotations

import re

from bleach._vendor import html5lib
from bleach._vendor.html5lib import serializer as html5lib_serializer

from workspace.core.text import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS

# --------------------------------------------------------------------------------------------------------------
# Hostile sources: (id, markdown source)
# --------------------------------------------------------------------------------------------------------------
PAYLOADS: list[tuple[str, str]] = [
    # --- script tags ---
    ("script-plain", "<script>alert(1)</script>"),
    ("script-uppercase", "<SCRIPT>alert(1)</SCRIPT>"),
    ("script-mixed-case-src", '<ScRiPt SrC="https://evil.example/x.js"></sCrIpT>'),
    ("script-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-split-by-comment", "<scr<!-- -->ipt>alert(1)</script>"),
    ("script-null-byte-name", "<scr\x00ipt>alert(1)</scr\x00ipt>"),
    ("script-null-byte-before", "\x00<script>alert(1)</script>"),
    ("script-slash-attr", '<script/xss src="https://evil.example/x.js"></script>'),
    ("script-unclosed", "<script>alert(1)"),
    ("script-in-paragraph", "hello <script>alert(document.cookie)</script> world"),
    ("script-after-html-block", "<div>\n<script>alert(1)</script>\n</div>"),
    ("script-double-open", "<<script>script>alert(1)<</script>/script>"),
    ("script-extra-lt", "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>"),
    # --- event handlers ---
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-quoted", '<img src="x" onerror="alert(1)">'),
    ("img-onerror-slash-sep", "<img/src=x/onerror=alert(1)>"),
    ("img-onerror-newline", "<img src=x\nonerror\n=\nalert(1)>"),
    ("img-onerror-backtick", "<img src=`x` onerror=`alert(1)`>"),
    ("img-onerror-uppercase", "<IMG SRC=x ONERROR=alert(1)>"),
    ("img-onerror-entity", "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>"),
    ("img-onload", '<img src="/ok.png" onload="alert(1)">'),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>"),
    ("body-onload", "<body onload=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>"),
    ("a-onmouseover", '<a href="https://example.org" onmouseover="alert(1)">hover</a>'),
    ("input-onfocus-autofocus", "<input onfocus=alert(1) autofocus>"),
    ("select-onfocus-autofocus", "<select autofocus onfocus=alert(1)>"),
    ("textarea-onfocus-autofocus", "<textarea autofocus onfocus=alert(1)>x</textarea>"),
    ("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("div-onpointerover", "<div onpointerover=alert(1)>x</div>"),
    ("p-onclick-allowed-tag", '<p onclick="alert(1)">click</p>'),
    ("strong-onmouseover", "<strong onmouseover=alert(1)>bold</strong>"),
    ("td-onclick", "<table><tr><td onclick=alert(1)>x</td></tr></table>"),
    ("style-onload", "<style onload=alert(1)></style>"),
    ("animation-onanimationstart", "<b style=animation-name:x onanimationstart=alert(1)>x</b>"),
    ("htmx-attributes", '<p hx-get="/logout" hx-trigger="load">x</p>'),
    ("htmx-data-attributes", '<a data-hx-post="/delete" data-hx-trigger="load" href="/x">x</a>'),
    # --- javascript:, vbscript:, data: URLs ---
    ("html-a-javascript", '<a href="javascript:alert(1)">x</a>'),
    ("html-a-javascript-mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("html-a-javascript-leading-space", '<a href=" javascript:alert(1)">x</a>'),
    ("html-a-javascript-leading-control", '<a href="\x01javascript:alert(1)">x</a>'),
    ("html-a-javascript-tab-entity", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    ("html-a-javascript-newline-entity", '<a href="jav&#x0A;ascript:alert(1)">x</a>'),
    ("html-a-javascript-cr-entity", '<a href="jav&#x0D;ascript:alert(1)">x</a>'),
    ("html-a-javascript-raw-tab", '<a href="jav\tascript:alert(1)">x</a>'),
    ("html-a-javascript-decimal-entities",
     '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    ("html-a-javascript-padded-entities",
     '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
     '&#0000058alert(1)">x</a>'),
    ("html-a-javascript-hex-entities",
     '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>'),
    ("html-a-javascript-named-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("html-a-javascript-named-tab", '<a href="java&Tab;script:alert(1)">x</a>'),
    ("html-a-javascript-unquoted", "<a href=javascript:alert(1)>x</a>"),
    ("html-a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("html-a-data-html", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("html-a-data-html-plain", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    ("html-a-data-svg", '<a href="data:image/svg+xml,<svg onload=alert(1)>">x</a>'),
    ("html-img-javascript-src", '<img src="javascript:alert(1)">'),
    ("html-img-data-svg-src", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("md-link-javascript", "[x](javascript:alert(1))"),
    ("md-link-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-javascript-tab-entity", "[x](jav&#x09;ascript:alert(1))"),
    ("md-link-javascript-decimal-entity", "[x](&#106;avascript:alert(1))"),
    ("md-link-javascript-colon-entity", "[x](javascript&#58;alert(1))"),
    ("md-link-javascript-angle", "[x](<javascript:alert(1)>)"),
    ("md-link-javascript-space", "[x]( javascript:alert(1) )"),
    ("md-link-javascript-percent", "[x](javascript:%61lert(1))"),
    ("md-link-javascript-comment", "[x](javascript://%0Aalert(1))"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-data-html", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("md-reference-javascript", "[click][evil]\n\n[evil]: javascript:alert(1)"),
    ("md-reference-javascript-title", '[click][evil]\n\n[evil]: javascript:alert(1) "title"'),
    ("md-reference-data", "[click][d]\n\n[d]: data:text/html,<script>alert(1)</script>"),
    ("md-reference-entity", "[click][e]\n\n[e]: &#x6A;avascript:alert(1)"),
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-data-svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ("md-image-reference-javascript", "![x][i]\n\n[i]: javascript:alert(1)"),
    ("md-image-onerror-in-alt", '![x" onerror="alert(1)](/a.png)'),
    ("md-image-onerror-in-src", '![x](/a.png" onerror="alert(1))'),
    # --- linkify must not invent dangerous links from plain text ---
    ("linkify-data-scheme", "see data:evil.com/html,%3Cscript%3Ealert(1)%3C/script%3E"),
    ("linkify-data-scheme-slashes", "data://evil.com/x"),
    ("linkify-webcal-scheme", "webcal://evil.example.com/cal"),
    ("linkify-feed-scheme", "feed:evil.example.com/rss"),
    ("linkify-javascript-text", "javascript:alert(1)"),
    ("linkify-javascript-userinfo", "javascript:alert(1)@evil.com"),
    # --- autolinks ---
    ("autolink-javascript", "<javascript:alert(1)>"),
    ("autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("autolink-data", "<data:text/html,<script>alert(1)</script>>"),
    ("autolink-http-quote-break", '<http://example.org/"onmouseover="alert(1)>'),
    # --- link title tricks ---
    ("md-title-quote-break", '[x](https://example.org "a\\" onmouseover=\\"alert(1)")'),
    ("md-title-html", '[x](https://example.org "<script>alert(1)</script>")'),
    ("md-title-entity-quote", '[x](https://example.org "&quot; onmouseover=&quot;alert(1)")'),
    ("md-ref-title-break", "[x][t]\n\n[t]: https://example.org 'a\" onclick=\"alert(1)'"),
    # --- SVG and MathML ---
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-a-xlink", '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>'),
    ("svg-animate-href", '<svg><a><animate attributeName=href values=javascript:alert(1) />'
                         '<text x=20 y=20>x</text></a></svg>'),
    ("svg-set", "<svg><set attributeName=onmouseover to=alert(1) /></svg>"),
    ("svg-foreignobject", "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>"),
    ("svg-use-data", '<svg><use href="data:image/svg+xml,<svg id=x><image href=1 onerror=alert(1) />'
                     '</svg>#x" /></svg>'),
    ("math-xlink", "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>"),
    ("math-maction", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>'),
    ("math-href", '<math href="javascript:alert(1)">x</math>'),
    # --- embedding and navigation elements ---
    ("iframe-src", '<iframe src="https://evil.example"></iframe>'),
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("object-data", '<object data="javascript:alert(1)"></object>'),
    ("object-swf", '<object data="x.swf" type="application/x-shockwave-flash"></object>'),
    ("embed-src", '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'),
    ("form-action", '<form action="javascript:alert(1)"><input type=submit></form>'),
    ("form-action-logout", "<form action=/logout><button>x</button></form>"),
    ("button-formaction", '<form><button formaction="javascript:alert(1)">x</button></form>'),
    ("input-formaction", '<input type=image formaction="javascript:alert(1)" src=x>'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("meta-refresh-data", '<meta http-equiv="refresh" content="0;url=data:text/html;base64,'
                          'PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'),
    ("base-href", '<base href="https://evil.example/">'),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("link-import", '<link rel="import" href="https://evil.example/x.html">'),
    ("applet", '<applet code="x.class"></applet>'),
    # --- styles ---
    ("style-tag", "<style>body{background:url(javascript:alert(1))}</style>"),
    ("style-tag-import", "<style>@import 'https://evil.example/x.css';</style>"),
    ("style-attr-expression", '<p style="width:expression(alert(1))">x</p>'),
    ("style-attr-url-javascript", '<div style="background:url(javascript:alert(1))">x</div>'),
    ("style-attr-behavior", '<p style="behavior:url(x.htc)">x</p>'),
    ("style-attr-moz-binding", '<p style="-moz-binding:url(https://evil.example/x.xml#x)">x</p>'),
    ("style-attr-overlay", '<a href="/x" style="position:fixed;top:0;left:0;width:100%;height:100%">x</a>'),
    ("style-attr-escaped", '<p style="xss:expr/**/ession(alert(1))">x</p>'),
    # --- malformed, unclosed and quote-breaking ---
    ("quote-break-script", '"><script>alert(1)</script>'),
    ("quote-break-single", "'><img src=x onerror=alert(1)>"),
    ("quote-break-in-attr", '<a href="https://example.org/"><script>alert(1)</script>">x</a>'),
    ("quote-break-title", '<a title=""><img src=x onerror=alert(1)>">x</a>'),
    ("unclosed-img", "<img src=x onerror=alert(1)//"),
    ("unclosed-img-gt-later", "<img src=x onerror=alert(1)\n\nlater > text"),
    ("unclosed-a", '<a href="javascript:alert(1)"'),
    ("malformed-img-quotes", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">'),
    ("malformed-double-lt", "<<img src=x onerror=alert(1)//<"),
    ("malformed-attr-no-space", '<img src="x"onerror="alert(1)">'),
    ("malformed-closing-tag-attr", "</p onclick=alert(1)><p>x</p>"),
    ("malformed-slash-name", "<a/href=javascript:alert(1)>x</a>"),
    ("non-alpha-tag", '<SCRIPT/XSS SRC="https://evil.example/x.js"></SCRIPT>'),
    ("body-background", '<body background="javascript:alert(1)">'),
    ("table-background", '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>'),
    ("td-background", '<table><tr><td background="javascript:alert(1)">x</td></tr></table>'),
    ("video-poster", '<video poster="javascript:alert(1)"></video>'),
    ("img-srcset", '<img src="/ok.png" srcset="javascript:alert(1) 1x">'),
    ("img-dynsrc-lowsrc", '<img dynsrc="javascript:alert(1)" lowsrc="javascript:alert(1)">'),
    ("input-image-src", '<input type="image" src="javascript:alert(1)">'),
    ("img-usemap-area", '<img src=/x.png usemap=#m><map name=m><area href="javascript:alert(1)" shape=default>'),
    ("a-target-blank", '<a href="https://evil.example" target="_blank">tabnab</a>'),
    ("a-name-clobber", '<a name="location" id="csrf_token" href="https://example.org">x</a>'),
    ("img-name-clobber", '<img name="getElementById" src="/x.png">'),
    # --- comments and CDATA ---
    ("comment-hiding-script", "<!--<script>alert(1)</script>-->"),
    ("comment-break-out", "<!-- --!><img src=x onerror=alert(1)> -->"),
    ("comment-short", "<!--><img src=x onerror=alert(1)>-->"),
    ("comment-conditional", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    ("comment-in-attr", '<a title="<!--" href="/x">x</a><img src=x onerror=alert(1)>-->'),
    ("cdata-html", "<![CDATA[<img src=x onerror=alert(1)>]]>"),
    ("cdata-svg", "<svg><![CDATA[><image xlink:href=\"]]><img src=x onerror=alert(1)//\"></svg>"),
    ("processing-instruction", "<?xml-stylesheet href=\"javascript:alert(1)\"?><p>x</p>"),
    # --- mutation XSS (mXSS): noscript, template, textarea, raw-text and foreign-content tricks ---
    ("mxss-noscript-title", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"),
    ("mxss-noscript-style", "<noscript><style></noscript><img src=x onerror=alert(1)></style></noscript>"),
    ("mxss-math-style", "<math><style><img src=x onerror=alert(1)></style></math>"),
    ("mxss-svg-style", "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    ("mxss-math-mtext-table-mglyph",
     "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"),
    ("mxss-svg-p-style", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>"></svg>'),
    ("mxss-form-math-mglyph",
     "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>"),
    ("mxss-template-img", "<template><img src=x onerror=alert(1)></template>"),
    ("mxss-select-template-style",
     '<select><template><style><!--</style><a rel="--></style></template></select>'
     '<iframe onload=alert(1)>">'),
    ("mxss-textarea-title", '<textarea><p title="</textarea><img src=x onerror=alert(1)>"></textarea>'),
    ("mxss-title-tag", "<title><a title=\"</title><img src=x onerror=alert(1)>\"></title>"),
    ("mxss-xmp", "<xmp><p title=\"</xmp><img src=x onerror=alert(1)>\"></xmp>"),
    ("mxss-noembed", "<noembed><p title=\"</noembed><img src=x onerror=alert(1)>\"></noembed>"),
    ("mxss-noframes", "<noframes><p title=\"</noframes><img src=x onerror=alert(1)>\"></noframes>"),
    ("mxss-iframe-raw", "<iframe><p title=\"</iframe><img src=x onerror=alert(1)>\"></iframe>"),
    ("mxss-plaintext", "<plaintext><img src=x onerror=alert(1)>"),
    ("mxss-style-in-code", "<code><style><img src=x onerror=alert(1)></style></code>"),
    ("mxss-svg-title-in-p", '<svg><p><style><img src=x onerror=alert(1)></style></p></svg>'),
    ("mxss-backtick-ie", "<img src=\"x` `<script>alert(1)</script>\"` `>"),
    ("mxss-namespace-confusion", '<math><mi><svg><a href="javascript:alert(1)"><circle r=400 /></a></svg></mi></math>'),
    # --- code spans and fences must stay text ---
    ("code-span-script", "`<script>alert(1)</script>`"),
    ("code-span-img", "``<img src=x onerror=alert(1)>``"),
    ("code-fence-html", "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```"),
    ("code-fence-break-out", "```\n</code></pre><script>alert(1)</script>\n```"),
    ("code-indented", "    <script>alert(1)</script>\n    <svg onload=alert(1)>"),
    ("code-fence-lang-quote-break", '```"><img src=x onerror=alert(1)>\ncode\n```'),
    ("code-fence-lang-attr", "``` onclick=alert(1)\nx\n```"),
    ("code-in-raw-pre", "<pre><code><script>alert(1)</script></code></pre>"),
    # --- Unicode tricks ---
    ("fullwidth-script", "＜script＞alert(1)＜/script＞"),
    ("fullwidth-img", "＜img src=x onerror=alert(1)＞"),
    ("homoglyph-scheme-md", "[a](ｊavascript:alert(1))"),
    ("homoglyph-scheme-html", '<a href="ｊavascript:alert(1)">a</a>'),
    ("homoglyph-cyrillic-a", "[a](jаvascript:alert(1))"),
    ("zero-width-joiner-md", "[a](java\u200dscript:alert(1))"),
    ("zero-width-space-html", '<a href="java\u200bscript:alert(1)">a</a>'),
    ("zero-width-entity", '<a href="java&#8203;script:alert(1)">a</a>'),
    ("rtl-override-text", "\u202e<script>alert(1)</script>\u202c gnp.exe"),
    ("rtl-override-link", "[gnp.exe](https://evil.example/\u202egnp.exe)"),
    ("bom-before-scheme", '<a href="\ufeffjavascript:alert(1)">a</a>'),
    ("nbsp-before-scheme", '<a href="\u00a0javascript:alert(1)">a</a>'),
    ("soft-hyphen-scheme", '<a href="java\u00adscript:alert(1)">a</a>'),
    ("overlong-utf8-like", "%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE"),
    ("utf7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"),
    # --- HTML inside Markdown constructs ---
    ("md-heading-script", "# <script>alert(1)</script>"),
    ("md-list-img", "- <img src=x onerror=alert(1)>\n- two"),
    ("md-table-cell-img", "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <svg onload=alert(1)> |"),
    ("md-blockquote-iframe", "> <iframe src=javascript:alert(1)></iframe>"),
    ("md-emphasis-break", '*<a href="javascript:alert(1)">x*</a>'),
    ("md-link-text-html", "[<img src=x onerror=alert(1)>](https://example.org)"),
    ("md-nested-link-javascript", "[[x](javascript:alert(1))](https://example.org)"),
    ("md-image-in-link", "[![x](javascript:alert(1))](javascript:alert(2))"),
]

# --------------------------------------------------------------------------------------------------------------
# Ordinary sources: (id, markdown source, HTML fragments the output must contain)
# --------------------------------------------------------------------------------------------------------------
ORDINARY: list[tuple[str, str, list[str]]] = [
    ("heading-chinese", "# 討論區公告\n\n## 第二節", ["<h1>討論區公告</h1>", "<h2>第二節</h2>"]),
    ("bold-italic", "**粗體** and *italic* and ***both***",
     ["<strong>粗體</strong>", "<em>italic</em>", "<strong><em>both</em></strong>"]),
    ("unordered-list", "- 蘋果\n- 香蕉\n- cherry", ["<ul>", "<li>蘋果</li>", "<li>cherry</li>"]),
    ("ordered-list", "1. first\n2. second", ["<ol>", "<li>first</li>", "<li>second</li>"]),
    ("ordered-list-start", "3. three\n4. four", ['<ol start="3">', "<li>three</li>"]),
    ("table", "| 名稱 | 數量 |\n|---|---|\n| 筆 | 2 |",
     ["<table>", "<thead>", "<th>名稱</th>", "<tbody>", "<td>筆</td>", "<td>2</td>"]),
    ("fenced-code", "```python\nif a < b and c > d:\n    print('<b>')\n```",
     ["<pre>", "<code", "if a &lt; b and c &gt; d:", "print('&lt;b&gt;')"]),
    ("inline-code", "Use `<div>` and `a && b`", ["<code>&lt;div&gt;</code>", "<code>a &amp;&amp; b</code>"]),
    ("link-https", "[範例](https://example.org)",
     ['<a href="https://example.org"', 'rel="nofollow noopener"', ">範例</a>"]),
    ("link-http-with-query", "[q](http://example.org/search?q=a&b=c)",
     ['<a href="http://example.org/search?q=a&amp;b=c"', 'rel="nofollow noopener"']),
    ("link-mailto", "[寫信](mailto:teacher@example.org)", ['<a href="mailto:teacher@example.org"']),
    ("link-relative", "[討論](/c/demo/discussions/3)", ['<a href="/c/demo/discussions/3"']),
    ("link-fragment", "[上面](#top)", ['<a href="#top"']),
    ("link-title", '[x](https://example.org "說明")', ['href="https://example.org"', 'title="說明"']),
    ("reference-link", "see [docs][d]\n\n[d]: https://example.org/docs",
     ['<a href="https://example.org/docs"', ">docs</a>"]),
    ("bare-url-linkified", "請看 https://example.com/page 謝謝",
     ['<a href="https://example.com/page"', 'rel="nofollow noopener"']),
    ("bare-domain-linkified", "go to example.com today", ['<a href="http://example.com"']),
    ("autolink-https", "<https://example.org/a>", ['<a href="https://example.org/a"']),
    ("uploaded-image", "![圖](/c/demo/discussions/files/3/photo.png)",
     ['<img alt="圖" src="/c/demo/discussions/files/3/photo.png"', 'src="/c/demo/discussions/files/3/photo.png"']),
    ("uploaded-image-title", '![照片](/c/demo/discussions/files/12/a.jpg "標題")',
     ['src="/c/demo/discussions/files/12/a.jpg"', 'title="標題"']),
    ("https-image", "![logo](https://example.org/logo.png)", ['src="https://example.org/logo.png"']),
    ("blockquote", "> 引用一句話\n> 第二行", ["<blockquote>", "引用一句話<br>"]),
    ("hard-line-breaks", "第一行\n第二行", ["第一行<br>"]),
    ("horizontal-rule", "above\n\n---\n\nbelow", ["<hr>"]),
    ("allowed-inline-html", "<kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup>, <mark>重點</mark>",
     ["<kbd>Ctrl</kbd>", "<sub>2</sub>", "<sup>2</sup>", "<mark>重點</mark>"]),
    ("abbr-title", '<abbr title="HyperText Markup Language">HTML</abbr>',
     ['<abbr title="HyperText Markup Language">HTML</abbr>']),
    ("escaped-angle-text", "1 < 2 and 3 > 2 & 4", ["1 &lt; 2 and 3 &gt; 2 &amp; 4"]),
    ("script-word-text", "the word script and javascript are fine here", ["javascript are fine"]),
    ("mixed-document",
     "# 作業說明\n\n請閱讀 **第三章**，並在 [表單](https://example.org/form) 填寫。\n\n"
     "1. 下載\n2. 完成\n\n```\nprint('ok')\n```\n\n> 截止：週五",
     ["<h1>作業說明</h1>", "<strong>第三章</strong>", '<a href="https://example.org/form"', "<ol>",
      "<pre>", "<blockquote>"]),
]

# --------------------------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------------------------
HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "background", "poster",
                            "srcset", "data", "cite", "longdesc", "lowsrc", "dynsrc", "codebase", "ping"})
# What a browser's URL parser strips or ignores before it reads the scheme, widened to every whitespace and
# control character (stricter than a browser, never looser).
_URL_IGNORED = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

_parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
_serializer = html5lib_serializer.HTMLSerializer(quote_attr_values="always", omit_optional_tags=False)
_walker = html5lib.getTreeWalker("etree")
_PAGE_TAIL = """"'></div>"""  # closes an open attribute or tag the way the page's own markup would


def _name(qualified: str) -> str:
    """'{namespace}local' -> 'ns-prefix:local' for foreign names, the plain name for HTML ones."""
    if qualified.startswith("{"):
        namespace, local = qualified[1:].split("}", 1)
        if namespace == HTML_NAMESPACE:
            return local
        prefix = {"http://www.w3.org/1999/xlink": "xlink", "http://www.w3.org/2000/svg": "svg",
                  "http://www.w3.org/1998/Math/MathML": "math", "http://www.w3.org/XML/1998/namespace": "xml",
                  "http://www.w3.org/2000/xmlns/": "xmlns"}.get(namespace, namespace)
        return f"{prefix}:{local}"
    return qualified


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute value as the DOM holds it (the HTML parser has
    already decoded entities, so ``&amp;colon;`` stays the literal text ``&colon;``, a relative URL), or None
    for a relative URL. Drops all whitespace and control characters anywhere, which is stricter than a
    browser (it drops only tab and newline inside, and C0 controls and spaces at the ends)."""
    normalized = _URL_IGNORED.sub("", value).lower()
    match = _SCHEME.match(normalized)
    return match.group(1) if match else None


def _problems(fragment) -> list[str]:
    problems = []
    for element in fragment.iter():
        if element is fragment or not isinstance(element.tag, str):
            continue  # the fragment root, comments
        tag = _name(element.tag)
        if tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}> is not in ALLOWED_TAGS")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        for raw_name, value in element.attrib.items():
            name = _name(raw_name)
            local = name.rsplit(":", 1)[-1].lower()
            if local.startswith("on"):
                problems.append(f"<{tag}> has event handler {name}={value!r}")
            if local == "style":
                problems.append(f"<{tag}> has a style attribute {value!r}")
            if name not in allowed:
                problems.append(f"<{tag}> has attribute {name}={value!r} outside ALLOWED_ATTRIBUTES")
            if local in URL_ATTRIBUTES or name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in ALLOWED_PROTOCOLS:
                    problems.append(f"<{tag} {name}> has URL scheme {scheme!r}: {value!r}")
    return problems


def assert_inert(html: str) -> None:
    """Fail unless HTML, parsed as a browser parses it inside a <div>, holds only allowlisted elements and
    attributes, no event handlers, no style and no URL with a scheme other than http, https or mailto.

    The DOM is also serialized and parsed again (what innerHTML round trips do), so markup that only turns
    live after a mutation is caught too; and the HTML is checked once more followed by ordinary page markup,
    so a tag or attribute left open at the end (which swallows the page after it) fails as well.
    """
    html = str(html)
    problems = []
    # Alone, and as a page embeds it: markup left open (an unterminated tag or attribute) swallows what follows.
    for label, document in (("", html), ("followed by page markup: ", html + _PAGE_TAIL)):
        first = _parser.parseFragment(document, container="div")
        problems += [label + problem for problem in _problems(first)]
        reserialized = _serializer.render(_walker(first))
        problems += [f"{label}after re-parse: {problem}" for problem in _problems(
            _parser.parseFragment(reserialized, container="div"))]
    if problems:
        detail = "\n  ".join(problems)
        raise AssertionError(f"HTML is not inert:\n  {detail}\nHTML: {html!r}")
