"""Add co-planning documents to a bench database: a shared plan of 12 sections with 2,000 revisions in the bench
user's home community, and a small plan (the same 12 sections, 2 revisions each) in another of their communities,
to compare query counts with.

The plans themselves are made by the real service (`services.create_plan`, from a 12-section community template):
sections, their version-1 revisions, the audit event and the search document are the app's own. The later
revisions are bulk-inserted with SQLAlchemy Core in one transaction: each section's text grows from a first draft
and is then edited line by line (a line rewritten, added or removed per save), as a team writes a lesson plan over
a few weeks; ~7 % of the saves are merges (started from an older version), a few settled conflicts and restores.
Each section ends at its last revision's text and version (checked after seeding), and the plan is
re-indexed through `services.reindex`. The text is a Grade 5 mathematics lesson plan (異分母分數的加減) in
Traditional Chinese, written for this benchmark: line templates per section with numbers, contexts and teaching
aids drawn at random, so that no two saves are alike and the diffs look like real edits.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

REVISIONS = 2_000  # of the big plan, the 12 version-1 revisions included
SMALL_SAVES = 1  # per section of the small plan, after version 1
RANDOM_SEED = 20241210
TOPIC = "異分母分數的加減"
SUBJECT = "數學"
GRADE = "五年級"
UNIT = "第五單元 分數的加減"
TEMPLATE_NAME = "數學領域共備教案（12 項）"
AUTHORS = 8  # the bench user (lead planner) and seven colleagues write the big plan
HISTORY_DAYS = 75

CONTEXTS = ("分披薩", "調果汁", "剪緞帶", "量水壺裡的水", "繞操場跑步", "做蛋糕用的麵粉", "分巧克力", "整理花圃",
            "摺紙飛機用的色紙", "班級共用的黏土")
TOOLS = ("分數條", "數線", "色紙", "圓形分數板", "方格紙", "積木", "長條紙帶")


def _fraction(rng: random.Random, denominator: int) -> Fraction:
    while True:
        value = Fraction(rng.randint(1, denominator - 1), denominator)
        if value.denominator == denominator:
            return value


def _show(value: Fraction) -> str:
    """A fraction as a Taiwanese textbook writes it: 3/4, 1又1/6, 2."""
    whole, part = divmod(value.numerator, value.denominator)
    if part == 0:
        return str(whole)
    return f"{whole}又{part}/{value.denominator}" if whole else f"{part}/{value.denominator}"


def _slots(rng: random.Random) -> dict[str, Any]:
    """The numbers and words one line of the plan may use; the sums and equivalent fractions are correct."""
    b1, b2 = rng.sample(range(2, 13), 2)
    f1, f2 = _fraction(rng, b1), _fraction(rng, b2)
    lcm = math.lcm(b1, b2)
    d = rng.randint(3, 9)
    x, y = rng.sample(range(1, d), 2) if d > 2 else (1, 1)
    b3 = rng.choice([n for n in range(2, 13) if n not in (b1, b2)])
    q = rng.randint(1, 10)
    page = rng.randint(42, 70)
    few = rng.randint(2, 5)
    return {
        "f1": _show(f1), "f2": _show(f2), "b1": b1, "b2": b2, "b3": b3, "b1x": b1 * 2, "bsum": b1 + b2,
        "sum": _show(f1 + f2), "lcm": lcm, "e1": f"{f1.numerator * lcm // b1}/{lcm}",
        "e2": f"{f2.numerator * lcm // b2}/{lcm}", "wrong": f"{f1.numerator + f2.numerator}/{b1 + b2}",
        "half": f"{f1.numerator}/{lcm}", "same1": f"{x}/{d}", "same2": f"{y}/{d}",
        "big": _show(1 + f1), "d": rng.choice((10, 12, 15, 20)),
        "ctx": rng.choice(CONTEXTS), "tool": rng.choice(TOOLS), "m": rng.randint(3, 15), "g": rng.randint(3, 6),
        "k": rng.randrange(55, 96, 5), "p": page, "p2": page + 1, "p3": rng.randint(20, 40), "q": q, "q2": q + 3,
        "n2": rng.randint(24, 30), "few": few, "few2": rng.randint(2, 6), "n3": rng.randint(4, 10),
        "n4": rng.randint(2, 5), "sets": rng.randint(6, 8), "grp": rng.randint(1, 8),
        "cls": f"五年{rng.randint(1, 6)}班",
    }


# --- the plan's sections: title, template key, regions of lines, length range, share of the saves ----------


@dataclass(frozen=True)
class Region:
    """A part of a section: a fixed heading (or table head) and lines drawn from a pool of templates."""

    head: tuple[str, ...]
    pool: tuple[str, ...]
    gap: str = "\n"  # between the lines: a list ("\n") or paragraphs ("\n\n")
    fixed: bool = False  # a table: one row per template, rewritten but never added or removed
    notes: tuple[str, ...] = ()  # sub-items the planners may add under a line


@dataclass(frozen=True)
class SectionSpec:
    key: str | None
    title: str
    regions: tuple[Region, ...]
    low: int  # characters: the section grows to at least this much, and is kept under `high`
    high: int
    weight: int  # its share of the saves


ANALYSIS = SectionSpec(None, "教材分析", (
    Region(("#### 單元脈絡",), (
        "本單元接在四年級「同分母分數的加減」之後，學生已經會在分母相同時直接處理分子；這一課要面對分母不同的"
        "情形，核心是先把兩個分數改寫成分母相同的等值分數，再進行計算。",
        "等值分數與擴分、約分是本課的先備概念。前測顯示約有 {k}% 的學生能正確寫出 {f1} 的等值分數，但能說明"
        "「為什麼分子分母要同乘一個數」的學生不多。",
        "本課之後是帶分數的加減與三個分數的連加減，因此這一節要讓學生把「找公分母」的理由說清楚，而不只是記住"
        "步驟。",
        "最小公倍數在上一個單元才學過，部分學生仍會用兩個分母相乘當公分母。這不算錯，但數字變大後容易算錯，"
        "可以在比較不同做法時自然帶出。",
        "分數的意義在三、四年級以「部分與整體」為主，本課第一次需要學生主動改變一個分數的表示方式，這是從"
        "「讀分數」走向「操作分數」的轉折，值得多給一些時間。",
        "共備時大家同意本課不追求計算速度：一節課能讓多數學生說出「為什麼要通分」，比多做幾題練習更重要。",
    ), gap="\n\n"),
    Region(("#### 教科書的安排",), (
        "課本第 {p} 頁以「{ctx}」的情境引入，題目是 {f1} + {f2}。我們討論後認為情境貼近學生生活，但圖示只畫了"
        "結果，沒有呈現切分的過程，需要老師補上操作。",
        "教科書先用圖像表徵，再過渡到算式；我們希望在兩者之間加入{tool}的操作，讓學生親手看到「切得一樣細」"
        "才能相加的道理。",
        "課本練習第 {q} 題的分母是 {b1} 與 {b2}。分母有倍數關係的題目適合當第一個例題，互質的情形放在後面，"
        "讓學生自己發現兩者的差別。",
        "習作第 {p3} 頁的文字題語句較長，對閱讀較弱的學生是額外的負擔；共備時決定把其中兩題改成圖文並列。",
        "對應課綱「理解異分母分數的加減並解決生活問題」的學習表現，本節著重概念理解，計算熟練留到下一節與"
        "回家作業。",
        "另一版本的教科書先教約分再教通分，我們比較後決定維持本校版本的順序，但把約分的複習放進暖身。",
        "課本的例題都是加法，減法只出現在練習；考量減法的借位較難，我們在發展活動二補一題 {big} − {f2} 的示範。",
    ), gap="\n\n"),
), 800, 1500, 170)

OBJECTIVES = SectionSpec("objectives", "學習目標", (
    Region(("**知識與技能**",), (
        "- 能用{tool}表示 {f1} 與 {f2}，並找出兩者的公分母。",
        "- 能把異分母分數改寫成同分母的等值分數，正確算出 {f1} + {f2} = {sum}。",
        "- 能用最小公倍數當公分母，並在算完後把答案約成最簡分數。",
        "- 能判斷計算結果是否合理，例如知道 {f1} + {f2} 一定比 {f1} 大。",
        "- 能計算分母在 {d} 以內的異分母分數減法，答案是假分數時改寫成帶分數。",
    )),
    Region(("**過程與方法**",), (
        "- 透過{tool}的操作，比較「分子分母直接相加」與「先通分再相加」的結果，說出哪一個合理。",
        "- 在 {g} 人小組中輪流說明自己找公分母的方法，並聽懂同學不同的做法。",
        "- 能把「{ctx}」的問題寫成算式，並用圖或數線檢驗答案。",
        "- 能比較兩個分母相乘與取最小公倍數兩種做法的優缺點。",
    )),
    Region(("**態度與價值**",), (
        "- 願意在全班面前說出自己的想法，也能接受同學指出的錯誤。",
        "- 在小組中耐心等待同學完成操作，遇到不同意見時先聽完再回應。",
        "- 體會分數在{ctx}等生活情境中的用處，主動找出生活中的例子。",
        "- 養成算完後回頭檢查答案是否合理的習慣。",
    )),
), 400, 900, 190)

LEARNERS = SectionSpec("learners", "學生經驗與迷思（學情分析）", (
    Region(("**已具備的經驗**",), (
        "- 四年級已學過同分母分數的加減，前測正確率約 {k}%。",
        "- 上一單元學過因數與倍數，大多數學生能找出 {b1} 和 {b2} 的公倍數。",
        "- 會用{tool}表示簡單的分數，但還不習慣用它比較大小。",
        "- 在生活中有{ctx}的經驗，能說出「一半」「三分之一」的意思。",
    )),
    Region(("**常見的迷思**",), (
        "- 分子加分子、分母加分母，寫出 {f1} + {f2} = {wrong}。",
        "- 通分時只把分母乘上倍數，忘了分子也要乘，例如把 {f1} 寫成 {half}。",
        "- 以為分母越大分數就越大，因此認為 1/{b2} 比 1/{b1} 大。",
        "- 算出答案後沒有約分，或約分時分子分母除以不同的數。",
        "- 減法不夠減時把 1 當成 10/10，而不是和分母相同的分數。",
    ), notes=(
        "  - 對策：請學生用{tool}把兩個分數畫出來，再看 {wrong} 的大小合不合理。",
        "  - 對策：把擴分寫成「分子、分母同乘 □」的格式，提醒上下都要乘。",
        "  - 對策：用同一條長條紙對摺，比較 1/{b1} 和 1/{b2} 的長度。",
        "  - 對策：答案寫完後在旁邊畫一個小勾，提醒自己檢查是否為最簡分數。",
        "  - 前測第 {q} 題有 {few} 位學生出現這個錯誤。",
    )),
    Region(("**班級差異**",), (
        "- 本班 {n2} 位學生，其中 {few} 位計算快、需要延伸挑戰；{few2} 位倍數概念仍不穩定。",
        "- 資源班學生 {few} 位，另有學習輔助安排，操作教具時需要多一點時間。",
        "- 兩位新轉入的學生原校進度較慢，課前由協同老師個別補充等值分數。",
        "- 閱讀題目較弱的學生約 {few} 位，文字題需要老師協助圈出關鍵字。",
    )),
), 500, 1200, 150)

KEYPOINTS = SectionSpec(None, "教學重點與難點", (
    Region(("**教學重點**",), (
        "- 理解只有「每一份一樣大」時，分數的分子才能直接相加減。",
        "- 用公倍數找出公分母，把 {f1} 與 {f2} 改寫成等值分數。",
        "- 能說出通分前後分數的大小沒有改變。",
    )),
    Region(("**教學難點**",), (
        "- 從圖像過渡到算式：學生看得懂圖，卻不知道圖中的切分對應到算式的哪一步。",
        "- 分母互質時（如 {b1} 與 {b2}）公分母較大，學生容易算錯乘法。",
        "- 答案要約成最簡分數，學生常忘記或只約一次。",
        "- 文字題中「還剩多少」「比……多多少」的語意判斷。",
    )),
    Region(("**突破方式**",), (
        "- 先用{tool}讓學生實際把兩個分數「切成一樣大」，再請學生把操作寫成算式。",
        "- 設計一組分母有倍數關係與互質的對照題，讓學生自己比較。",
        "- 在板書保留每一步的等值分數，讓學生看見分數的值沒有改變。",
    )),
), 350, 800, 130)

RESOURCES = SectionSpec("resources", "教學資源", (
    Region(("**教材與教具**",), (
        "- 課本第 {p}–{p2} 頁、習作第 {p3} 頁",
        "- {tool}（每組一套，共 {sets} 套）",
        "- 小白板與白板筆，每組一份",
        "- 學習單「找找公分母」（正反兩面，背面為挑戰題）",
        "- 大張分數卡：{f1}、{f2}、{sum}，貼在黑板上排序用",
    )),
    Region(("**數位與評量工具**",), (
        "- 自製簡報：{ctx}的情境動畫，約 {m} 張投影片",
        "- 電子書的分數條互動工具，投影在黑板上示範",
        "- 計時器，控制小組討論的時間",
        "- 出口卡（三題），檢查學生是否能獨立完成通分",
    )),
), 250, 600, 110)

STEP_NOTES = (
    "  - 預期學生反應：有學生會直接回答 {wrong}，先請他用{tool}驗證，不急著糾正。",
    "  - 預期學生反應：部分學生會說「{b1} 和 {b2} 相乘就好」，肯定這個想法，再問有沒有更小的數。",
    "  - 教師留意：巡視時記下哪幾組用了最小公倍數，作為等一下發表的順序。",
    "  - 教師留意：發表時請其他組先複述上一組的方法，再補充自己的不同之處。",
    "  - 時間不足時：只請一組發表，另一種做法由老師在板書上補充。",
    "  - 觀課重點：學生是否說得出「每一份要一樣大」的理由。",
    "  - 觀課重點：第 {grp} 組的學生操作時是否每個人都有參與。",
    "  - 共備討論：{cls}的學生對{ctx}較熟悉，試教時可改用這個情境。",
)

PROCESS = SectionSpec("process", "學習歷程", (
    Region(("### 一、引起動機（5 分鐘）",), (
        "- 教師展示「{ctx}」的情境圖，提問：「一個人用了 {f1}，另一個人用了 {f2}，兩人一共用了多少？」",
        "- 請學生先憑直覺估計答案會比 1 大還是比 1 小，把理由寫在小白板上。",
        "- 複習同分母分數的加法：{same1} + {same2}，請兩位學生上台說明。",
        "- 全班舉手表決：{f1} + {f2} 等於 {wrong} 嗎？先不公布答案，留到發展活動驗證。",
        "- 請一位學生到台前把 {f1} 和 {f2} 的分數卡貼在數線上，全班判斷位置對不對。",
        "- 播放約一分鐘的{ctx}短片，請學生找出片中出現的分數。",
    ), notes=STEP_NOTES),
    Region(("### 二、發展活動一：操作探究（12 分鐘）",), (
        "- 每組拿到{tool}，把 {f1} 和 {f2} 表示出來，試著把兩塊拼在一起，看能不能直接讀出答案。",
        "- 教師巡視時追問：「這兩塊的每一小份一樣大嗎？要怎麼切才會一樣大？」",
        "- 小組把 {f1} 與 {f2} 都改切成 {lcm} 等分，數一數一共有幾份。",
        "- 請兩組用不同的切法上台分享，全班比較哪一種切法比較方便。",
        "- 若小組卡住，提供提示卡：「先想想 {b1} 和 {b2} 都能整除的數。」",
        "- 學生把操作結果記在學習單上，同時畫出對應的圖。",
        "- 小組內先各自操作 {m} 分鐘，再輪流說明自己的切法，由記錄者寫下共同的結論。",
        "- 給先完成的小組第二組數：{f2} 與 1/{b3}，看看同樣的方法是否還能用。",
    ), notes=STEP_NOTES),
    Region(("### 三、發展活動二：從操作到算式（10 分鐘）",), (
        "- 教師把各組的切法寫成算式：{f1} = {e1}，{f2} = {e2}，相加得到 {sum}。",
        "- 引導學生說出規則：分母不同時，先找公分母，把分數改寫成等值分數再計算。",
        "- 比較用 {b1}×{b2} 與用最小公倍數 {lcm} 當公分母的兩種算法，討論哪一種數字較小、較不易算錯。",
        "- 回到引起動機的表決：請學生用剛才的方法說明 {wrong} 為什麼不對。",
        "- 示範減法 {big} − {f2}，強調答案要約成最簡分數。",
        "- 請學生對照板書上的圖與算式，說出算式的每一步對應到操作的哪一個動作。",
        "- 全班一起完成 {f1} + {f2} 的直式紀錄，老師刻意寫錯一步，請學生指出來。",
    ), notes=STEP_NOTES),
    Region(("### 四、發展活動三：練習與分享（9 分鐘）",), (
        "- 完成課本第 {p} 頁第 {q} 題，同組兩人互相檢查通分的過程。",
        "- 分層練習：基本題 {n3} 題、進階題 {n4} 題，完成的學生可挑戰文字題。",
        "- 請學生自己出一題「{ctx}」的異分母加減題，交換給鄰座解題。",
        "- 教師挑出兩份有代表性的錯誤（匿名），請全班找出錯在哪一步。",
        "- 用小白板快問快答：老師出 {f1} − 1/{b3}，學生寫出公分母後舉板。",
        "- 請兩位用不同公分母算出同一題的學生上台，比較答案是否相同。",
    ), notes=STEP_NOTES),
    Region(("### 五、綜合活動（4 分鐘）",), (
        "- 請學生用一句話說出今天學到的「找公分母」方法，寫在出口卡上。",
        "- 出口卡三題：{f1} + {f2}、{big} − {f2}、一題文字題；下課前收回。",
        "- 預告下一節：帶分數的加減，請學生想想整數部分要怎麼處理。",
        "- 教師總結板書上的三個步驟：找公分母、改寫成等值分數、計算並約分。",
        "- 請學生在學習單上畫一個表情符號，表示自己對今天內容的把握程度。",
    ), notes=STEP_NOTES),
), 2200, 3200, 380)

STRATEGIES = SectionSpec("strategies", "提問設計與引導策略", (
    Region(("**關鍵提問**",), (
        "- 「{f1} 和 {f2} 的每一小份一樣大嗎？你怎麼知道？」",
        "- 「如果要把兩個分數的每一份切得一樣大，最少要切成幾份？」",
        "- 「為什麼分子分母要乘上同一個數？乘了以後分數變大了嗎？」",
        "- 「{wrong} 這個答案比 {f1} 還小，合理嗎？」",
        "- 「用 {b1}×{b2} 當公分母和用最小公倍數，答案會一樣嗎？」",
        "- 「不用算，你能先說出 {f1} + {f2} 會比 1 大還是小嗎？」",
    ), notes=(
        "  - 追問：「你是怎麼想到這個數的？還有別的數也可以嗎？」",
        "  - 等待時間至少 {few} 秒，先讓學生和鄰座說一說再舉手。",
        "  - 若學生答不出，改問較簡單的數：1/2 和 1/4 的每一份一樣大嗎？",
        "  - 把學生的回答原句寫在黑板上，之後整理方法時引用。",
    )),
    Region(("**分組與引導**",), (
        "- 異質分組，每組 {g} 人，安排一位操作較熟練的學生擔任小老師。",
        "- 小組討論時每人都要先說，再由記錄者整理成一個答案。",
        "- 對卡住的小組只給提示，不直接示範，例如請他們先比較兩塊的大小。",
        "- 發表時請學生用「我發現……，因為……」的句型說明。",
    )),
    Region(("**對需要支持的學生**",), (
        "- 提供已畫好等分線的{tool}，降低切分的困難。",
        "- 協同老師在第 {grp} 組旁協助，先處理分母有倍數關係的題目。",
        "- 允許先用圖算出答案，再補上算式。",
    )),
), 500, 1100, 200)

BOARD = SectionSpec(None, "板書設計", (
    Region(("**左側：情境與猜測**",), (
        "- 情境圖：{ctx}，標出 {f1} 與 {f2}",
        "- 學生猜測的答案（含 {wrong}），用紅框圈起來",
    )),
    Region(("**中間：操作與算式**",), (
        "- 各組切法的照片或圖，旁邊寫出對應的算式",
        "- {f1} = {e1}，{f2} = {e2}",
        "- {e1} + {e2} = {sum}",
    )),
    Region(("**右側：方法整理**",), (
        "- ① 找公分母　② 改寫成等值分數　③ 計算並約分",
        "- 檢查：答案要比兩個分數中較大的那一個大",
        "- 今日挑戰：{big} − {f2} = ？",
    )),
), 250, 600, 90)

ASSESSMENT = SectionSpec(None, "學習評量與規準", (
    Region(("| 向度 | 優秀 | 合格 | 待加強 |", "| --- | --- | --- | --- |"), (
        "| 找公分母 | 能用最小公倍數找出 {b1} 與 {b2} 的公分母並說明理由 | 能找出一個公分母 | 需要提示才能找出 |",
        "| 等值分數 | 能正確改寫並說明分數的值不變 | 能正確改寫 | 只改分母或只改分子 |",
        "| 計算與約分 | 算出 {sum} 並約成最簡分數 | 計算正確但未約分 | 計算錯誤 |",
        "| 表達 | 能用圖與算式向同學說明 | 能用算式說明 | 說不出步驟 |",
        "| 解題 | 能把{ctx}的文字題列式並檢查合理性 | 能列式計算 | 無法列式 |",
    ), fixed=True),
    Region(("**評量方式**",), (
        "- 形成性評量：巡視操作時記錄各組的切法，使用觀察檢核表。",
        "- 出口卡三題，答對兩題以上視為達成本節目標，預估達成率 {k}%。",
        "- 學習單背面的挑戰題作為延伸，不列入成績。",
        "- 下一節課前五分鐘小考 {n3} 題，檢查學習的保留情形。",
    )),
), 600, 1100, 170)

DIFFERENTIATION = SectionSpec(None, "差異化與補救教學", (
    Region(("**學習較快的學生**",), (
        "- 挑戰題：三個分數連加，如 {f1} + {f2} + 1/{b3}。",
        "- 請他們找出兩種以上的公分母，並比較哪一種最方便。",
        "- 擔任小老師時要用提問引導，不直接告訴答案。",
    )),
    Region(("**需要支持的學生**",), (
        "- 先練習分母有倍數關係的題目，如 1/{b1} + 1/{b1x}，再進到互質的情形。",
        "- 提供倍數表，減少找公倍數時的計算負擔。",
        "- 課後 {m} 分鐘補救教學，用{tool}重做一次課堂題目。",
        "- 透過聯絡簿請家長在家用{ctx}的例子陪孩子練習。",
    )),
), 400, 900, 130)

HOMEWORK = SectionSpec("homework", "作業設計", (
    Region(("**基本**",), ("- 習作第 {p3} 頁第 {q} 至 {q2} 題。", "- 計算 {n3} 題異分母加減，答案約成最簡分數。")),
    Region(("**延伸**",), ("- 找一個家裡用得到分數的情境（例如{ctx}），自己出一題並解答。",
                          "- 用兩種不同的公分母算同一題，比較兩種過程。")),
    Region(("**挑戰**",), ("- {f1} + {f2} − 1/{b3} = ？寫出你的想法。",
                          "- 說明為什麼 1/{b1} + 1/{b2} 不等於 2/{bsum}。")),
    Region(("**檢核方式**",), ("- 隔天早自修由小老師批改基本題，老師批改挑戰題並寫回饋。",
                             "- 錯兩題以上的學生，午休時間到教室訂正。")),
), 250, 600, 120)

REFLECTION = SectionSpec("reflection", "教學調整與反思", (
    Region(("#### 試教後的調整",), (
        "{cls}試教後發現，引起動機花了 {m} 分鐘，比預計多；下一次把情境圖直接投影，省下發圖的時間。",
        "觀課夥伴記錄到第 {grp} 組有兩位學生一直沒有拿到{tool}，下次分組時要指定操作者輪替。",
        "出口卡的達成率約 {k}%，錯誤多集中在約分；下一節開始先用五分鐘複習約分。",
        "文字題「{ctx}」的題意對部分學生不清楚，下次先讓學生用自己的話重述題目。",
    ), gap="\n\n"),
    Region(("#### 議課紀錄",), (
        "學生用{tool}切分時，很自然地說出「切得一樣細才可以數」，這句話值得寫在板書上當作全班的共同語言。",
        "議課時大家認為比較兩種公分母的討論太快結束，有些學生還沒看懂；可以保留學生的兩種算法並排在黑板上。",
        "有學生提出「{f1} + {f2} 可以先估計大約是多少」，這個估算的想法可以放進下一輪的教案。",
        "第 {grp} 組的討論一開始由一位學生主導，觀課老師建議改用輪流發言卡，讓每個人都先說一次。",
    ), gap="\n\n"),
), 600, 1800, 148)

SECTIONS = (ANALYSIS, OBJECTIVES, LEARNERS, KEYPOINTS, RESOURCES, PROCESS, STRATEGIES, BOARD, ASSESSMENT,
            DIFFERENTIATION, HOMEWORK, REFLECTION)


class _Text:
    """One section's text as it is edited: per region, its lines as (template, text) pairs. A template is used
    at most once per region (a plan does not say the same thing twice); its numbers change when rewritten."""

    def __init__(self, spec: SectionSpec, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        self.items: list[list[tuple[int, str]]] = [[] for _ in spec.regions]

    def line(self, region: Region, template: int) -> tuple[int, str]:
        text = region.pool[template].format(**_slots(self.rng))
        if region.notes and self.rng.random() < 0.6:  # the planners' notes under a point
            for note in self.rng.sample(region.notes, self.rng.choice((1, 1, 2))):
                text += "\n" + note.format(**_slots(self.rng))
        return template, text

    def unused(self, index: int) -> list[int]:
        used = {template for template, _text in self.items[index]}
        return [template for template in range(len(self.spec.regions[index].pool)) if template not in used]

    def draft(self) -> None:
        """The first draft: a line or two in each part (a table in full)."""
        for index, region in enumerate(self.spec.regions):
            count = len(region.pool) if region.fixed else self.rng.randint(1, 2)
            templates = range(count) if region.fixed else self.rng.sample(range(len(region.pool)), count)
            self.items[index] = [self.line(region, template) for template in templates]

    def text(self) -> str:
        blocks = []
        for region, items in zip(self.spec.regions, self.items, strict=True):
            head = "\n".join(region.head)
            blocks.append(head + (region.gap if items else "") + region.gap.join(text for _t, text in items))
        return "\n\n".join(blocks)

    def edit(self) -> None:
        """One change as a person makes it: a line rewritten, added or removed (growing to `low`, kept under
        `high`)."""
        rng, spec = self.rng, self.spec
        size = len(self.text())
        choice = "add" if size < spec.low else ("remove" if size > spec.high and rng.random() < 0.7 else
                                                rng.choices(("rewrite", "add", "remove"), (60, 22, 18))[0])
        index = rng.randrange(len(spec.regions))
        region, items, unused = spec.regions[index], self.items[index], self.unused(index)
        if choice == "remove" and len(items) > 1 and not region.fixed:
            items.pop(rng.randrange(len(items)))
        elif choice == "add" and unused and not region.fixed:
            items.insert(rng.randint(0, len(items)), self.line(region, rng.choice(unused)))
        elif items:  # rewrite: the same point with other numbers, or another point in its place
            at = rng.randrange(len(items))
            template = items[at][0]
            if unused and not region.fixed and rng.random() < 0.5:
                template = rng.choice(unused)
            items[at] = self.line(region, template)


# --- building the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededPlan:
    """One seeded plan: where it is, its sections (in order) and how many revisions it has."""

    community_id: int
    slug: str
    plan_id: int
    section_ids: tuple[int, ...]
    versions: tuple[int, ...]  # each section's current version
    revisions: int
    characters: int  # of the current text, all sections

    @property
    def busiest(self) -> tuple[int, int]:
        """The section with the most revisions, and its version."""
        index = max(range(len(self.versions)), key=self.versions.__getitem__)
        return self.section_ids[index], self.versions[index]


@dataclass(frozen=True)
class SeededPlans:
    """What the co-planning benchmark needs to know about the plans it got."""

    big: SeededPlan
    small: SeededPlan
    co_editor_email: str  # a member of the home community who saves in the merge measurement
    rows: dict[str, int]
    seconds: float


@dataclass
class _History:
    """The revisions of one plan, in the order they were saved."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    final: dict[int, tuple[str, int, int, dt.datetime]] = field(default_factory=dict)  # body, version, author, at


def _counts(total: int, weights: list[int]) -> list[int]:
    """Split `total` saves by weight (largest remainders), at least one each."""
    shares = [total * weight / sum(weights) for weight in weights]
    counts = [max(1, int(share)) for share in shares]
    for index in sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True):
        if sum(counts) >= total:
            break
        counts[index] += 1
    return counts


def _history(rng: random.Random, sections: list[tuple[int, SectionSpec]], saves: list[int], authors: list[int],
             start: dt.datetime, end: dt.datetime, doc_id: int) -> _History:
    """Every save after version 1, interleaved over the sections in time; each section's text evolves."""
    history = _History()
    order = [index for index, count in enumerate(saves) for _ in range(count)]
    rng.shuffle(order)
    span = (end - start).total_seconds()
    moments = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in order)
    texts = [_Text(spec, rng) for _section_id, spec in sections]
    snapshots: list[list[list[list[tuple[int, str]]]]] = [[[]] for _ in sections]  # per section, per version: the lines
    weights = [35] + [65 / max(1, len(authors) - 1)] * (len(authors) - 1)
    for index, moment in zip(order, moments, strict=True):
        section_id, _spec = sections[index]
        text = texts[index]
        version = len(snapshots[index]) + 1  # the version this save makes
        before = text.text() if version > 2 else ""
        how, base, restored_from = "saved", version - 1, None
        roll = rng.random()
        if version == 2:
            text.draft()
        elif roll < 0.01 and version > 4 and snapshots[index][version - 3] != text.items:
            how, restored_from = "restored", version - 2  # the last save is undone
            text.items = copy.deepcopy(snapshots[index][restored_from - 1])
        else:
            if roll < 0.08 and version > 3:
                how, base = "merged", version - rng.randint(2, 3)
            elif roll < 0.095 and version > 3:
                how, base = "resolved", version - 2
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                text.edit()
            while text.text() == before:
                text.edit()
        body = text.text()
        snapshots[index].append(copy.deepcopy(text.items))
        author = rng.choices(authors, weights)[0]
        history.rows.append({"section_id": section_id, "doc_id": doc_id, "version": version, "body": body,
                             "author_id": author, "base_version": base, "how": how, "restored_from": restored_from,
                             "created_at": moment})
        history.final[section_id] = (body, version, author, moment)
    return history


def _template(community_id: int, actor_id: int) -> Any:
    from workspace.plans.models import PlanTemplate, TemplateSection

    template = PlanTemplate(community_id=community_id, name=TEMPLATE_NAME, created_by_id=actor_id)
    for position, spec in enumerate(SECTIONS):
        template.sections.append(TemplateSection(key=spec.key, title=spec.title, guidance="", position=position))
    return template


def seed_plans(app: Any, *, big_community_id: int = 1, bench_user_id: int = 1, revisions: int = REVISIONS,
               small_saves: int = SMALL_SAVES) -> SeededPlans:
    """Make the big plan in the bench user's home community and the small one in another of theirs.

    In the small plan's community the bench user gets the role they have at home (co-convener), so that the
    two plans' pages differ in size only, not in what the reader may do.
    """
    from workspace.auth.models import User
    from workspace.communities.models import Community, Membership
    from workspace.core.permissions import CONTRIBUTORS
    from workspace.core.text import render_markdown
    from workspace.extensions import db
    from workspace.plans import services
    from workspace.plans.models import PlanDoc, PlanSection, SectionRevision

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    begin = now - dt.timedelta(days=HISTORY_DAYS)
    with app.test_request_context():
        home = db.session.get(Community, big_community_id)
        role = db.session.scalar(select(Membership.role).where(
            Membership.community_id == home.id, Membership.user_id == bench_user_id, Membership.left_at.is_(None)))
        if role is None:
            raise ValueError(f"user {bench_user_id} is not a member of {home.slug}")
        small = db.session.scalars(
            select(Community).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench_user_id, Membership.left_at.is_(None),
                   Community.id != home.id, Community.archived_at.is_(None))
            .order_by(Community.id)).first()
        db.session.execute(update(Membership).where(
            Membership.community_id == small.id, Membership.user_id == bench_user_id,
            Membership.left_at.is_(None)).values(role=role))
        actor = db.session.get(User, bench_user_id)
        writers: dict[int, list[User]] = {}
        for community in (home, small):
            writers[community.id] = list(db.session.scalars(
                select(User).join(Membership, Membership.user_id == User.id)
                .where(Membership.community_id == community.id, Membership.left_at.is_(None),
                       Membership.role.in_(CONTRIBUTORS), User.active.is_(True), User.id != bench_user_id)
                .order_by(User.id)))
        colleagues = rng.sample(writers[home.id], AUTHORS - 1)
        co_editor = next((user for user in colleagues if db.session.scalar(select(Membership.role).where(
            Membership.community_id == home.id, Membership.user_id == user.id, Membership.left_at.is_(None)))
            == "member"), colleagues[0])
        made: list[tuple[int, str, int, list[int], list[int]]] = []
        for community, team, saves in (
                (home, colleagues, _counts(revisions - len(SECTIONS), [spec.weight for spec in SECTIONS])),
                (small, writers[small.id][:2], [small_saves] * len(SECTIONS))):
            template = _template(community.id, actor.id)
            db.session.add(template)
            db.session.flush()
            fields = services.PlanFields(topic=TOPIC, subject=SUBJECT, grade=GRADE, unit=UNIT, lead_id=actor.id,
                                         planned_on=(now + dt.timedelta(days=10)).date(),
                                         teacher_ids=[actor.id] + [user.id for user in team[:3]])
            doc = services.create_plan(community, fields, actor=actor, template=template)
            made.append((community.id, community.slug, doc.id, [section.id for section in doc.sections], saves))
        co_editor_email = co_editor.email
        db.session.commit()
        rows: dict[str, int] = {"plan_docs": 0, "plan_sections": 0, "plan_section_revisions": 0}
        seeded = []
        teams = [[bench_user_id] + [user.id for user in team] for team in (colleagues, writers[small.id][:2])]
        for (community_id, slug, doc_id, section_ids, saves), team_ids in zip(made, teams, strict=True):
            history = _history(rng, list(zip(section_ids, SECTIONS, strict=True)), saves, team_ids, begin,
                               now - dt.timedelta(hours=2), doc_id)
            revision_table, section_table = SectionRevision.__table__, PlanSection.__table__
            db.session.execute(update(revision_table).where(revision_table.c.doc_id == doc_id).values(created_at=begin))
            db.session.execute(insert(revision_table), history.rows)
            db.session.execute(
                update(section_table).where(section_table.c.id == bindparam("section"))
                .values(body=bindparam("body"), body_html=bindparam("html"), version=bindparam("new_version"),
                        updated_at=bindparam("at"), updated_by_id=bindparam("author")),
                [{"section": section_id, "body": body, "html": str(render_markdown(body)), "new_version": version,
                  "at": at, "author": author} for section_id, (body, version, author, at) in history.final.items()])
            db.session.execute(update(PlanDoc.__table__).where(PlanDoc.__table__.c.id == doc_id).values(
                created_at=begin, updated_at=max(at for *_rest, at in history.final.values())))
            db.session.expire_all()
            services.reindex(db.session.get(PlanDoc, doc_id))
            db.session.commit()
            versions = tuple(history.final[section_id][1] for section_id in section_ids)
            characters = sum(len(history.final[section_id][0]) for section_id in section_ids)
            seeded.append(SeededPlan(community_id, slug, doc_id, tuple(section_ids), versions,
                                     len(section_ids) + len(history.rows), characters))
            rows["plan_docs"] += 1
            rows["plan_sections"] += len(section_ids)
            rows["plan_section_revisions"] += len(section_ids) + len(history.rows)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")  # give the planner statistics, as a long-lived database has
        db.session.remove()
        db.engine.dispose()  # release the file before gunicorn opens it
    return SeededPlans(seeded[0], seeded[1], co_editor_email, rows, time.perf_counter() - started)


def check(app: Any, seeded: SeededPlans) -> list[str]:
    """Verify what the pages rely on: versions 1..n without gaps, each section's body and version are its last
    revision's, and the big plan has the revisions asked for."""
    from workspace.extensions import db
    from workspace.plans.models import PlanSection, SectionRevision

    problems = []
    with app.app_context():
        for plan in (seeded.big, seeded.small):
            newest = (select(SectionRevision.section_id, func.count().label("n"),
                             func.min(SectionRevision.version).label("low"),
                             func.max(SectionRevision.version).label("high"))
                      .where(SectionRevision.doc_id == plan.plan_id).group_by(SectionRevision.section_id).subquery())
            total = 0
            for section_id, version, body, n, low, high in db.session.execute(
                    select(PlanSection.id, PlanSection.version, PlanSection.body, newest.c.n, newest.c.low,
                           newest.c.high).join(newest, newest.c.section_id == PlanSection.id)
                    .where(PlanSection.doc_id == plan.plan_id)):
                total += n
                last = db.session.scalar(select(SectionRevision.body).where(
                    SectionRevision.section_id == section_id, SectionRevision.version == version))
                if not (n == high == version and low == 1 and last == body):
                    problems.append(f"section {section_id}: {n} revisions numbered {low}..{high}, version {version}")
            if total != plan.revisions:
                problems.append(f"plan {plan.plan_id}: {total} revisions, {plan.revisions} expected")
        db.session.remove()
        db.engine.dispose()
    return problems

