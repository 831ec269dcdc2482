import type { LanguagePhrasesInput, ThreatClassifierConfigInput } from './config';

// Default phrase configuration. It is plain JSON-compatible data (regexes are `{ re }` strings),
// so a deployment can replace it from a file. docs/classify.md explains each list and how to add
// phrases; the labelled table in labelled.ts must keep passing after any change.

const r = String.raw;
const re = (source: string) => ({ re: source });

// English. Levers are written as the buyer's own threatened action ("I'll leave a bad review",
// "file a complaint", "report your shop"), not as bare nouns: "other buyers' bad reviews" or
// "sorry to complain" must not count.
const ACTION = r`(leave|give|write|post|put|drop|report|complain|file|sue|call|contact|expose)`;

export const ENGLISH_PHRASES: LanguagePhrasesInput = {
  demand: [
    'refund',
    'money back',
    'reimburse',
    'compensat',
    'reparation',
    'coupon',
    'voucher',
    'discount',
    'cashback',
    'cash back',
    'store credit',
    'gift card',
    'red envelope',
    'red packet',
    'benefit',
    'price difference',
    re(r`\bpay (me|us)\b`),
    re(r`\bpay (me |us )?back\b`),
    re(r`\bfree (gift|item|one|product|replacement|upgrade|shipping|sample)s?\b`),
    re(r`\bfor free\b|\bfree of charge\b`),
    re(r`\b(cheaper|lower (the |your )?price|reduce (the |your )?price|price (cut|reduction))\b`),
    re(
      r`\b(want|need|demand|expect|give|send|pay|transfer|wire)\b[^.!?]{0,25}?([$¥€£]\s?\d+|\b\d+(\.\d+)?\s?(yuan|rmb|dollars?|usd|eur|euros?|bucks|pounds)\b)`,
    ),
    re(r`\b(give|send|transfer|wire) (me|us)\b[^.!?]{0,12}\b(money|cash)\b`),
  ],
  lever: [
    re(
      r`\b(bad|negative|poor|terrible|awful|horrible|angry|scathing)\s+(review|rating|feedback|comment)s?\b`,
    ),
    re(r`\b(one|1)[- ]?stars?\b`),
    re(
      r`\b(file|lodge|submit|make|raise|filing|lodging|submitting|making|raising)\s+(a\s+|an\s+)?(formal\s+|official\s+)?complaint`,
    ),
    re(
      r`\bcomplain(ing|ed)?\s+(about you\s+)?(to|with)\s+(the\s+|your\s+)?(platform|taobao|tmall|amazon|ebay|customer service|admin|management|authorit|regulator|consumer|government|police|court|media|bureau|market|12315)`,
    ),
    re(r`\b(will|'ll|going to|gonna|shall|must|have to|would)\s+(\w+\s+)?complain`),
    re(
      r`\breport(ing)?\s+(you|your (shop|store|listing|product|page)|this (shop|store|seller)|the (shop|store|seller))\b`,
    ),
    re(
      r`\breport(ing)? (this|it)\s+to\s+(the\s+)?(platform|authorit|regulator|police|consumer|12315|ftc|bureau|government)`,
    ),
    'advertising law',
    'consumer protection law',
    re(r`\bconsumer (association|council|protection|rights)`),
    '12315',
    re(r`\b(market|industry and commerce) (regulation|supervision|regulator|bureau|administration)`),
    'trading standards',
    re(r`\bftc\b`),
    'better business bureau',
    re(r`\bextreme (words?|terms?|claims?)\b`),
    re(r`\b(prohibited|banned|forbidden) (words?|terms?)\b`),
    re(r`\bsue\b`),
    re(r`\b(lawyer|lawsuit|legal action)\b`),
    re(
      r`\b(expose|post|share)\b[^.!?]{0,20}\b(social media|weibo|tiktok|douyin|xiaohongshu|twitter|facebook|internet|online)\b`,
    ),
    // Offers to withdraw pressure already applied: "I'll remove my negative review if ...".
    re(
      r`\b(remove|delete|change|take down|withdraw|update|revise)\s+(my\s+|the\s+)?(bad\s+|negative\s+|1[- ]star\s+|one[- ]star\s+)?(review|rating|feedback|complaint)`,
    ),
    // Threats phrased with a negation that plain negation handling would cancel.
    re(r`\bdon'?t make me\s+${ACTION}`),
    re(r`\b(won't|will not|wouldn't|would not) hesitate to\s+${ACTION}`),
    re(r`\b(and|then)\s+i('ll| will)?\s*(won't|will not|not|never)\s+${ACTION}`),
    re(r`\bor (you('ll)? get|expect) (a\s+)?(bad|negative|1[- ]star|one[- ]star)`),
  ],
  weakLever: [
    'lowest price',
    re(r`\bcheapest (on|in)\b`),
    'best price',
    'false advertising',
    re(r`\bmisleading (advertis|description|listing)`),
    re(r`\b(no\.? ?1|number one|best in the world)\b`),
  ],
  conditional: [
    'otherwise',
    'or else',
    re(r`\bor (i|we|you)\b`),
    'unless',
    re(r`\bif (you|u) (don't|do not|won't|will not|refuse|can't|cannot|didn't|did not)\b`),
    re(r`\bif not\b`),
    re(r`\bif (i|we) (don't|do not|can't|cannot) (get|receive)\b`),
    re(r`\beither\b[^.!?]{0,60}\bor\b`),
    re(r`\b(keep quiet|stay quiet|keep silent)\b`),
  ],
  exclude: [
    re(r`\b(thanks|thank you)\s+(so much\s+|a lot\s+)?for\s+(the|my|your)\s+(quick\s+|fast\s+)?refund`),
    re(r`\brefund policy\b`),
    re(r`\bwhat(?:'s| is) (the|your) (lowest|best) price\b`),
    re(r`\bcomplain(ing|ed)?\s+(about\s+\w+\s+)?(to|with)\s+(the\s+)?(courier|delivery|post office|carrier)`),
    re(r`\bcomplaint\s+(with|to|against|about)\s+(the\s+)?(courier|delivery|post office|carrier)`),
  ],
  negation: {
    boundaries: [
      re(r`[,.;:!?\n()"]`),
      re(r`\b(but|or|otherwise|unless|if|so|then|else|because|since|and)\b`),
      re(r`\b(i'll|i'd|i'm|i|we'll|we)\b`),
    ],
    windowChars: 24,
    leverBefore: [re(r`\b(not|never|no|nor|without)\b|n't\b`)],
    leverAfter: [],
    demandBefore: [
      re(
        r`\b(don't|do not|doesn't|does not|didn't|did not|never|won't|will not)\s+(really\s+)?(want|need|ask|expect|require|request)`,
      ),
      re(r`\bnot\s+(asking|looking|requesting|expecting|after|interested)`),
      re(r`\bno need\b`),
      re(r`\b(got|received|thanks for|thank you for|already (got|received|have))\b`),
    ],
    demandAfter: [
      re(r`^\s*(is|isn't|is not|are|aren't|are not)\s+(not\s+)?(necessary|needed|required)`),
      re(r`^\s*(has been|was|arrived|came|went through|received)`),
    ],
  },
};

// Chinese. 差评 as a noun ("看了很多差评") is not a lever; only giving/threatening one is. 投诉 and
// 举报 are levers on their own except against the courier.
export const CHINESE_PHRASES: LanguagePhrasesInput = {
  demand: [
    '赔偿',
    '补偿',
    re(r`赔(钱|付|我|点|偿|一|三|十)`),
    '退款',
    '退钱',
    re(r`退(我|给我)?(一半|差价|部分|全款|运费)`),
    re(r`(退|赔|还)(我|给我)?[^,.!?;。！？；]{0,4}钱`),
    '返现',
    '返款',
    '红包',
    '优惠券',
    '优惠',
    re(r`打(个)?[\d一二三四五六七八九几]?折`),
    '折扣',
    re(r`便宜(点|一点|些|一些)`),
    '免单',
    re(r`免费(送|换|补|给)`),
    re(r`送(我|个|一个|点)`),
    '赠品',
    '好处',
    '表示一下',
    '意思一下',
    '报销',
    '补贴',
    re(r`(给|转|打|赔|补|退|返)(我|给我)?\s*\d+(\.\d+)?\s*(块|元|rmb|人民币|美元)`),
    re(r`(给我|给)?转(我|给我)?\s*\d+`),
  ],
  lever: [
    re(
      r`(给|打|写|留|发|上|追加|追评|追)\s*(你|你们|你家|个|一个|了|几个|条)*\s*(差评|中差评|中评|一星|1星|低分)`,
    ),
    re(r`差评(伺候|警告|走起|预定|预警|处理)`),
    re(
      r`(要|会|就|将|得|只能|必须|直接|肯定|绝对|等着|否则|不然|要不然|要不)\s*(给)?\s*(你|你们)?\s*(打|给|写)?\s*(个|一个)?\s*差评`,
    ),
    re(r`(删|撤|改|追)(掉|回|除|成|为)?\s*(差评|中评|评价|好评)`),
    re(r`把?(差评|中评|评价)(给)?(删|撤|改)`),
    '投诉',
    '举报',
    '12315',
    '工商',
    '市场监管',
    '消协',
    '消费者协会',
    '广告法',
    '消费者权益保护法',
    '消法',
    '极限词',
    '违禁词',
    '起诉',
    '律师',
    '曝光',
    re(r`发(到)?(微博|抖音|小红书|朋友圈|网上)`),
    re(r`就(不|不会)(再)?(给)?(你|你们)?(差评|投诉|举报)`),
  ],
  weakLever: ['最低价', '全网最低', '最便宜', '虚假宣传', '虚假广告'],
  conditional: [
    '否则',
    '不然',
    '要不然',
    '要不',
    '除非',
    re(r`(如果|要是|若)?不[^,.!?;。！？；]{1,8}(的话)?[,，]?\s*(我)?就`),
    re(r`要么.{1,30}要么`),
    '看着办',
  ],
  exclude: [
    re(r`最低价(是)?(多少|几)`),
    re(r`投诉(一下)?(快递|物流|快递员|配送|顺丰|中通|圆通|韵达|申通|邮政)`),
    re(r`(谢谢|感谢)[^,.!?;。！？；]{0,4}(退款|补偿|赔偿)`),
    re(r`(退款|赔偿|补偿)(已经?|都)?(收到|到账)`),
  ],
  negation: {
    boundaries: [
      re(r`[,.;:!?\n。、；：…~"()]`),
      re(r`但是|但|可是|不过|否则|不然|要不然|要不|如果|要是|就|则|便|然后|所以|因为|我`),
    ],
    windowChars: 6,
    leverBefore: [
      re(
        r`不(会|想|要|打算|准备|给|写|打|至于|用|必|可能|再|去)|没(有|打算|想|给|打)|别|绝不|并不|从不|无意|不$|没$`,
      ),
    ],
    leverAfter: [re(r`^(就)?(算了|不用了|不会的)`)],
    demandBefore: [re(r`不(要|需要|用|想要|是要|求|图)|无需|不必|收到|拿到|已经|已`)],
    demandAfter: [re(r`^(就)?(不用了|不要了|算了|不必了|已(经)?(收到|到账)|到账|收到了)`)],
  },
};

/** The default configuration: English and Chinese phrase sets, 60-character snippets. */
export const DEFAULT_THREAT_CONFIG: ThreatClassifierConfigInput = {
  languages: { en: ENGLISH_PHRASES, zh: CHINESE_PHRASES },
  snippetMaxChars: 60,
  maxTextChars: 4000,
};
