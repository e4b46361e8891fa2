"""The catalogue's concepts in the words citizens and officers use for them, in every language and script,
so an English query ("drinking water") finds a Bengali complaint (পানীয় জল) and a Latin one finds the
Bengali word the citizen wrote (tubewell -> নলকূপ). Applied at query time in Python: the local
Elasticsearch has no synonym filter, and an expansion at query time needs no reindex when a word is added.

Each concept is a list of ways to say it; a query phrase that matches one of them (by phonetic key, so
spelling variants match too) is searched as any of them. A variant whose key is also the key of a very
common word is left out ("power" and "para", "তার" wire and "তার" his, "okejo" and "kaj", "bari" and
"bar"): it would match half the complaints. Pure.
"""
from functools import lru_cache

from services.search.phonetic import keyed_spellings, keyed_words, stem, word_key, word_keys, words

CONCEPTS = [
    # drinking water (PHE)
    ["drinking water", "paniyo jol", "panio jal", "পানীয় জল", "খাবার জল", "khabar jol", "খাওয়ার জল",
     "पीने का पानी", "peene ka pani", "potable water", "safe water", "পরিস্রুত জল"],
    ["water", "jol", "jal", "pani", "জল", "পানি", "पानी"],
    ["tube well", "tubewell", "টিউবওয়েল", "নলকূপ", "nolkup", "nalkup", "hand pump", "handpump", "হ্যান্ড পাম্প",
     "हैंडपंप", "नलकूप", "chapakal", "চাপাকল", "ट्यूबवेल", "deep tubewell"],
    ["tap", "kol", "কল", "nal", "नल", "tap water", "street tap"],
    ["water supply", "pipeline", "water line", "jaler line", "জলের লাইন", "পাইপলাইন", "पाइपलाइन", "water pipe"],
    ["water tank", "overhead tank", "ট্যাঙ্ক", "tanker", "ট্যাঙ্কার", "टैंकर"],
    ["salty", "saline", "salt water", "nona", "নোনা", "খারা", "खारा", "nona jol", "নোনা জল", "nona pani",
     "খারা জল", "खारा पानी", "namkeen pani"],
    ["dirty", "muddy", "ghola", "ঘোলা", "nongra", "নোংরা", "गंदा", "ganda", "polluted", "contaminated"],
    ["arsenic", "আর্সেনিক", "आर्सेनिक"],
    ["iron", "ayron", "আয়রন", "लोहा"],
    # broken, not working
    ["broken", "damaged", "not working", "out of order", "kharap", "kharab", "খারাপ", "bhanga", "ভাঙা", "ভেঙে",
     "bhenge", "खराब", "टूटा", "टूटी", "toota", "nosto", "নষ্ট", "defunct", "breached",
     "collapsed"],
    ["washed away", "swept away", "bhese geche", "ভেসে গেছে", "ভেসে গেল", "bhese gelo"],
    # electricity (Power)
    ["electricity", "current", "bijli", "biddut", "bidyut", "বিদ্যুৎ", "কারেন্ট", "বিজলি", "बिजली",
     "power supply", "electric supply", "light"],
    ["power cut", "load shedding", "loadshedding", "লোডশেডিং", "outage", "blackout", "बिजली कटौती",
     "power outage", "no electricity", "current nei", "কারেন্ট নেই", "bijli nahi"],
    ["transformer", "ট্রান্সফরমার", "ট্রান্সফর্মার", "ट्रांसफार्मर"],
    ["burnt", "burned", "pure geche", "পুড়ে গেছে", "jole geche", "জ্বলে গেছে", "जल गया", "jal gaya", "fire",
     "আগুন", "aag"],
    ["electric pole", "pole", "khuti", "খুঁটি", "खंभा", "khamba", "post"],
    ["wire", "live wire", "तार", "cable", "bidyuter tar", "বিদ্যুতের তার"],
    ["bill", "বিল", "बिल"],
    ["meter", "মিটার", "मीटर"],
    ["low voltage", "voltage", "ভোল্টেজ", "वोल्टेज"],
    # roads
    ["road", "rasta", "রাস্তা", "সড়ক", "sorok", "sadak", "सड़क", "रास्ता", "path", "পথ", "pitch road", "highway"],
    ["pothole", "potholes", "gorto", "গর্ত", "খানাখন্দ", "khanakhondo", "गड्ढा", "gaddha"],
    ["mud", "muddy road", "kada", "কাদা", "कीचड़", "kichad"],
    ["village", "gram", "গ্রাম", "गाँव", "gaon", "गांव"],
    # ration
    ["ration", "reshon", "রেশন", "राशन", "pds", "khadya sathi", "খাদ্য সাথী", "food grain"],
    ["rice", "chal", "চাল", "चावल", "chawal"],
    ["wheat", "gom", "গম", "गेहूं", "gehu", "atta", "আটা"],
    ["less", "short", "kom", "কম", "कम", "underweight", "less quantity"],
    ["shop", "dealer", "dokan", "দোকান", "दुकान", "dukan", "ডিলার"],
    ["rotten", "pocha", "পচা", "सड़ा", "sada", "spoiled", "insects", "worms", "poka", "পোকা", "कीड़े"],
    # health
    ["hospital", "হাসপাতাল", "अस्पताल", "haspatal", "health centre", "health center", "স্বাস্থ্যকেন্দ্র",
     "স্বাস্থ্য কেন্দ্র", "स्वास्थ्य केंद्र", "phc", "nursing home", "নার্সিংহোম", "medical college"],
    ["doctor", "daktar", "ডাক্তার", "डॉक्टर", "chikitsok", "চিকিৎসক", "physician"],
    ["medicine", "medicines", "drug", "oshudh", "osudh", "ওষুধ", "दवा", "दवाई", "dawai"],
    ["ambulance", "অ্যাম্বুলেন্স", "एम्बुलेंस", "102"],
    ["vaccine", "vaccination", "tika", "টিকা", "टीका", "immunisation"],
    ["bed", "বেড", "बेड", "শয্যা"],
    ["x ray", "xray", "এক্স-রে", "एक्स-रे", "एक्सरे"],
    ["machine", "মেশিন", "मशीन", "meshin", "mashin", "equipment", "যন্ত্র", "jontro"],
    ["nurse", "নার্স", "नर्स"],
    ["emergency", "জরুরি", "জরুরী", "joruri", "jaruri", "इमरजेंसी", "आपातकालीन", "emergency ward"],
    ["snake bite", "saper kamor", "sap kamrano", "সাপে কামড়", "সাপের কামড়", "সাপে কাটা", "साँप काटा",
     "सांप काटा", "saanp kata", "antivenom", "anti venom"],
    ["oxygen", "অক্সিজেন", "ऑक्सीजन"],
    # municipal
    ["garbage", "waste", "rubbish", "trash", "moyla", "ময়লা", "আবর্জনা", "कचरा", "kachra", "kooda", "कूड़ा"],
    ["drain", "drainage", "sewer", "nordoma", "নর্দমা", "ড্রেন", "नाली", "nali", "নালা", "manhole"],
    ["waterlogging", "water logging", "jol jome", "জল জমে", "जलभराव", "pani jome", "flooded street"],
    ["street light", "streetlight", "রাস্তার আলো", "स्ट्रीट लाइट"],
    ["mosquito", "mosha", "মশা", "মশার", "मच्छर", "dengue", "ডেঙ্গি", "डेंगू"],
    ["collected", "picked up", "cleared", "cleaned", "porishkar", "পরিষ্কার", "साफ", "saaf", "tule niye",
     "uthaya", "उठाया", "उठाते", "তোলা হয়", "garbage van", "ময়লার গাড়ি", "moylar gari", "कचरा गाड़ी"],
    ["toilet", "latrine", "shouchagar", "শৌচাগার", "পায়খানা", "শৌচালয়", "शौचालय", "washroom"],
    # education
    ["school", "স্কুল", "বিদ্যালয়", "विद्यालय", "स्कूल"],
    ["teacher", "shikkhok", "শিক্ষক", "शिक्षक", "master", "মাস্টার"],
    ["mid day meal", "midday meal", "মিড ডে মিল", "मिड डे मील", "khichuri", "খিচুড়ি"],
    ["scholarship", "britti", "বৃত্তি", "छात्रवृत्ति", "stipend", "vrutti"],
    ["bicycle", "cycle", "সাইকেল", "साइकिल"],
    ["college", "কলেজ", "कॉलेज", "university", "বিশ্ববিদ্যালয়", "विश्वविद्यालय", "bishwabidyalay"],
    ["uniform", "ইউনিফর্ম", "वर्दी", "school dress", "पोशाक"],
    ["books", "textbook", "किताब", "kitab", "পাঠ্যবই", "পাঠ্য বই"],
    # pensions and schemes
    ["pension", "পেনশন", "पेंशन", "bhata", "ভাতা", "भत्ता", "allowance"],
    ["old age", "bardhokko", "বার্ধক্য", "वृद्धावस्था", "briddho", "বৃদ্ধ", "elderly"],
    ["widow", "bidhoba", "বিধবা", "विधवा"],
    ["lakshmir bhandar", "laxmir bhandar", "lokkhir bhandar", "lakhir bhandar", "লক্ষ্মীর ভান্ডার",
     "লক্ষ্মীর ভাণ্ডার", "लक्ष्मीर भंडार"],
    ["swasthya sathi", "swasthyasathi", "swastha sathi", "স্বাস্থ্য সাথী", "স্বাস্থ্যসাথী", "स्वास्थ्य साथी"],
    ["kanyashree", "kanyasree", "konnashree", "কন্যাশ্রী", "कन्याश्री"],
    ["rupashree", "rupasree", "রূপশ্রী", "रूपश्री"],
    ["krishak bandhu", "krishok bondhu", "কৃষক বন্ধু", "किसान बंधु", "kisan bandhu"],
    ["sabooj sathi", "sabuj sathi", "sobuj sathi", "সবুজ সাথী", "सबुज साथी"],
    ["jai johar", "joy johar", "জয় জোহার", "जय जोहार"],
    ["aikyashree", "oikyashree", "ঐক্যশ্রী", "ऐक्यश्री", "minority scholarship"],
    ["housing", "house", "ghor", "ঘর", "घर", "ghar", "awas", "abas", "আবাস", "banglar bari",
     "বাংলার বাড়ি", "आवास"],
    ["money", "taka", "টাকা", "rupees", "rs", "paisa", "पैसा", "रुपये", "payment", "amount", "installment",
     "kisti", "কিস্তি", "किस्त"],
    ["not received", "not got", "paini", "পাইনি", "pai ni", "नहीं मिला", "asheni", "আসেনি", "not credited",
     "not paid", "not given", "not distributed", "bitoron hoyni", "বিতরণ হয়নি", "नहीं बांटा", "nahi mila", "pacchi na", "পাচ্ছি না", "withheld",
     "pending"],
    # water, power, a garbage van that does not come: "jol ashche na", "पानी नहीं आ रहा", "no supply"
    ["not coming", "not arriving", "no supply", "not supplied", "ashche na", "asche na", "ase na", "ashe na",
     "আসছে না", "আসে না", "नहीं आ रहा", "नहीं आता", "aata nahi", "aa nahi raha"],
    ["stopped", "bondho", "bondo", "বন্ধ", "बंद", "band", "closed", "discontinued"],  # vocabulary: words people write
    # land
    ["land", "jomi", "জমি", "जमीन", "zameen", "plot"],
    ["land record", "khatian", "খতিয়ান", "porcha", "পরচা", "record", "রেকর্ড", "खतौनी", "patta", "পাট্টা"],
    ["mutation", "মিউটেশন", "दाखिल खारिज", "namjari", "নামজারি"],
    ["grabbed", "encroached", "occupied", "dokhol", "দখল", "kabza", "कब्जा", "forcefully"],
    # police, safety, fraud
    ["police", "পুলিশ", "पुलिस", "thana", "থানা", "थाना", "police station"],
    ["fir", "complaint", "abhijog", "অভিযোগ", "शिकायत", "shikayat", "gd", "এফআইআর", "एफआईआर", "জিডি"],
    ["theft", "stolen", "burgled", "churi", "চুরি", "चोरी", "chori"],
    ["fraud", "scam", "cheated", "protarona", "প্রতারণা", "প্রতারিত", "धोखाधड़ी", "dhokha", "ठगी", "thagi",
     "ठग", "cyber", "সাইবার", "साइबर"],
    ["harassment", "harass", "horoyani", "হয়রানি", "হেনস্থা", "utpiron", "उत्पीड़न", "pareshan", "उत्यक्त",
     "উত্যক্ত", "eve teasing", "threat", "হুমকি", "humki"],
    ["violence", "torture", "nirjaton", "নির্যাতন", "मारपीट", "beating", "mardhor", "মারধর", "domestic violence"],
    ["otp", "ওটিপি", "ओटीपी"],
    ["bank", "ব্যাংক", "ব্যাঙ্ক", "बैंक", "bank account", "অ্যাকাউন্ট", "account"],
    ["aadhaar", "aadhar", "adhar", "আধার", "आधार"],
    ["liquor", "alcohol", "চোলাই মদ", "শরাব", "शराब", "sharab", "country liquor"],
    ["dowry", "যৌতুক", "joutuk", "दहेज", "dahej", "ponpratha", "পণপ্রথা"],
    ["child marriage", "balya bibaho", "বাল্যবিবাহ", "বাল্য বিবাহ", "बाल विवाह", "bal vivah"],
    # disasters, irrigation, agriculture
    ["flood", "bonya", "বন্যা", "बाढ़", "baadh", "banya"],
    ["cyclone", "storm", "ghurnijhor", "ঘূর্ণিঝড়", "ঝড়", "jhor", "तूफान", "toofan", "चक्रवात", "chakravat"],
    ["relief", "tran", "ত্রাণ", "राहत", "rahat", "compensation", "khotipuron", "ক্ষতিপূরণ", "मुआवजा"],
    ["tarpaulin", "tripol", "ত্রিপল", "तिरपाल"],
    ["embankment", "dam", "bandh", "বাঁধ", "बांध", "levee", "dyke"],
    ["erosion", "river erosion", "bhangon", "ভাঙন", "nodi bhangon", "নদী ভাঙন", "নদীভাঙন", "कटाव", "katav"],
    ["landslide", "bhumidhos", "ভূমিধস", "भूस्खलन"],
    ["canal", "khal", "খাল", "नहर", "nahar", "ক্যানেল", "irrigation canal"],
    ["crops", "crop damage", "paddy", "chash", "চাষ", "dhan", "ধান", "kheti", "खेती", "farming", "fields"],
    ["farmer", "krishak", "কৃষক", "চাষি", "chashi", "kisan", "किसान"],
    ["fertiliser", "fertilizer", "রাসায়নিক সার", "রাসায়নিক", "রাসায়নিক খাদ", "रासायनिक खाद"],
    ["seeds", "bij", "বীজ", "बीज"],
    ["insurance", "bima", "বিমা", "बीमा", "crop insurance", "fasal bima", "shasya bima", "শস্য বিমা"],
    # labour
    ["wages", "salary", "majuri", "মজুরি", "मजदूरी", "mazdoori", "pay"],
    ["migrant worker", "migrant", "porijayi", "পরিযায়ী", "shromik", "শ্রমিক", "मजदूर", "mazdoor", "labourer",
     "worker"],
    ["job card", "jobcard", "100 days work", "100 diner kaj", "১০০ দিনের কাজ", "একশো দিনের কাজ", "mgnrega", "nrega",
     "manrega", "मनरेगा", "जॉब कार्ड", "জব কার্ড"],
    # transport, certificates, consumer
    ["bus", "বাস", "बस"],
    ["licence", "license", "driving licence", "লাইসেন্স", "लाइसेंस", "laisens"],
    ["bridge", "সাঁকো", "sanko", "culvert", "kalvert", "কালভার্ট"],
    ["fare", "bhara", "ভাড়া", "किराया", "kiraya"],
    ["certificate", "shongshapotro", "শংসাপত্র", "সার্টিফিকেট", "प्रमाण पत्र", "praman patra"],
    ["caste certificate", "sc certificate", "st certificate", "obc certificate", "jati shongshapotro",
     "জাতিগত শংসাপত্র", "কাস্ট সার্টিফিকেট", "जाति प्रमाण पत्र"],
    ["card", "কার্ড", "कार्ड"],
    ["overcharged", "more than mrp", "beshi dam", "বেশি দাম", "ज्यादा दाम", "extra money"],
    # what complaints say of a thing in any department (English as officers type it)
    ["overflowing", "overflow", "upche", "উপচে", "উপচে পড়ছে", "উপচানো", "उफान", "overflowing drain"],
    ["blocked", "clogged", "choked", "jammed", "atke", "আটকে", "আটকে গেছে", "=jam", "बंद पड़ा"],
    ["leaking", "=leak", "leakage", "লিকেজ", "रिसाव", "टपक"],
    ["smell", "stink", "stench", "foul smell", "durgondho", "দুর্গন্ধ", "gondho", "গন্ধ", "बदबू", "badbu"],
    ["bribe", "bribery", "corruption", "cut money", "ghush", "ঘুষ", "কাটমানি", "घूस", "रिश्वत"],
    ["absent", "anupasthit", "অনুপস্থিত", "अनुपस्थित", "does not come"],
    ["misbehaviour", "misbehave", "=rude", "bad behaviour", "durbyabohar", "দুর্ব্যবহার", "খারাপ ব্যবহার",
     "kharap byabohar", "दुर्व्यवहार", "बदतमीजी"],
    ["death", "=died", "=dead", "mrityu", "মৃত্যু", "মারা গেছে", "mara geche", "मृत्यु", "मर गया"],
    ["student", "students", "chhatro", "ছাত্র", "ছাত্রছাত্রী", "ছাত্রী", "chhatri", "छात्र", "छात्रा"],
    ["children", "child", "bachcha", "বাচ্চা", "বাচ্চারা", "শিশু", "shishu", "बच्चे", "बच्चा", "शिशु", "kids"],
    ["girl", "girls", "meye", "মেয়ে", "लड़की", "लड़कियां", "ladki"],
    ["women", "woman", "mohila", "মহিলা", "মহিলারা", "महिला", "nari", "নারী"],
    ["application", "applied", "form", "abedon", "আবেদন", "আবেদনপত্র", "ফর্ম", "आवेदन", "फॉर्म", "avedan"],
    ["office", "doptor", "দপ্তর", "অফিস", "কার্যালয়", "कार्यालय", "दफ्तर", "daftar"],
    ["officer",  # vocabulary: the English word, not the role
     "official", "adhikarik", "আধিকারিক", "অফিসার", "अधिकारी", "adhikari", "bdo", "বিডিও"],
    ["panchayat", "ponchayet", "পঞ্চায়েত", "पंचायत", "gram panchayat", "pradhan", "প্রধান", "प्रधान"],
    ["municipality", "pourosobha", "পৌরসভা", "পুরসভা", "নগরপালিকা", "नगरपालिका", "नगर निगम", "councillor",
     "কাউন্সিলর", "पार्षद"],
    ["pond", "pukur", "পুকুর", "तालाब", "talab"],
    ["river", "nodi", "নদী", "नदी"],
    ["tree", "gach", "গাছ", "=ped"],
    ["dogs", "=dog", "stray dogs", "kukur", "কুকুর", "=kutta"],
    ["noise", "loudspeaker", "shobdo", "শব্দ", "माइक", "dj"],
    ["illegal", "unauthorised", "unauthorized", "obaidho", "অবৈধ", "अवैध"],
    ["goons", "gunda", "গুন্ডা", "mastan", "মস্তান", "गुंडे", "गुंडा", "dadagiri", "দাদাগিরি"],
    ["missing", "nikhoj", "নিখোঁজ", "लापता", "lapata"],
    ["job", "chakri", "চাকরি", "চাকরী", "नौकरी", "naukri", "employment"],
    ["exam", "examination", "porikkha", "পরীক্ষা", "परीक्षा", "pariksha", "result", "রেজাল্ট", "marksheet"],
    ["admission", "bhorti", "ভর্তি", "दाखिला", "एडमिशन"],
    ["=loan", "=lon", "कर्ज", "karj", "karja", "ঋণের"],
    ["gas", "cylinder", "lpg", "গ্যাস", "সিলিন্ডার", "गैस", "सिलेंडर"],
    ["adulterated", "adulteration", "bhejal", "ভেজাল", "मिलावट", "milawat"],
    ["weight", "ojon", "ওজন", "তৌল", "तौल"],
    ["list", "talika", "তালিকা", "সূচি", "सूची", "lisht"],
    ["name", "naam", "নাম", "नाम"],
    ["treatment", "chikitsa", "চিকিৎসা", "इलाज", "ilaj", "upchar", "उपचार"],
    ["patient", "patients", "rogi", "রোগী", "মরিজ", "मरीज", "mareez", "marij"],
    ["pregnant", "pregnancy", "delivery", "prosuti", "প্রসূতি", "গর্ভবতী", "garbhoboti", "गर्भवती", "प्रसव", "ডেলিভারি"],
    ["leaning", "tilted", "bent", "hele poreche", "হেলে পড়েছে", "হেলে গেছে", "झुका", "jhuka", "टेढ़ा"],
    ["hanging", "dangling", "jhulche", "ঝুলছে", "লটকে", "लटक", "latak", "लटका"],
    ["primary", "prathomik", "প্রাথমিক", "प्राथमिक", "prathmik"],
    ["=heap", "piled", "piled up", "stup", "স্তূপ", "ढेर", "dher"],
    ["market", "bazar", "বাজার", "बाजार"],
    ["broker", "middleman", "dalal", "দালাল", "दलाल"],
    ["contractor", "thikadar", "ঠিকাদার", "ठेकेदार", "thekedar"],
    ["repair", "repaired", "mend", "sarai", "সারাই", "সারানো", "meramot", "মেরামত", "मरम्मत", "marammat"],
    ["connection", "new connection", "কানেকশন", "সংযোগ", "songjog", "कनेक्शन", "kanekshan"],
    ["fan", "pakha", "পাখা", "पंखा", "pankha"],
    ["pump", "পাম্প", "पंप", "motor", "মোটর", "मोटर"],
    ["dust", "dhulo", "ধুলো", "ধুলা", "धूल", "dhool"],
    ["accident", "durghotona", "দুর্ঘটনা", "दुर्घटना", "hadsa", "हादसा"],
    ["stone", "stones", "gravel", "pathor", "পাথর", "पत्थर", "patthar"],
    ["family", "families", "poribar", "পরিবার", "परिवार", "pariwar"],
    # generic
    ["problem", "issue", "somossa", "সমস্যা", "समस्या", "samasya", "kosto", "কষ্ট", "sonkot", "সংকট", "crisis",
     "shortage", "scarcity"],
    ["night", "rat", "raat", "রাত", "रात", "rate", "রাতে"],
    ["wrong", "incorrect", "mistake", "bhul", "ভুল", "गलत", "galat", "error"],
]


# Words that carry no meaning of their own in a query (English, Hindi and Bengali in Latin letters, and the
# scripts' as anyascii writes them), unless they are part of a concept's phrase ("not received").
STOP_WORDS = frozenset("""
a an the of in on at to for from by with and or is are was were be been has have had it its this that these
our my we i me us you your since after before please sir madam days day near nearby beside
week weeks month months year years hour hours
ka ki ke ko se me mem mein hai hain par aur bhi ho raha rahi rahe tha thi the
er theke kore korche hoy ache ar ei amader amar amra din bar rha rhi rhe
""".split())  # noqa: SIM905 (ninety words read better as text)


# Negations in every language, as "n" (নেই, না, नहीं): too common to require, worth a little score.
NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "without", "didnt", "dont", "doesnt", "isnt",
                       "nei", "nai", "na", "nahi", "nahin", "nhi", "nhin"})


# Words in most complaints whose key a concept's one-word way shares: a word is read as the concept only when
# it is spelt nearer to the concept's way than to these (see nearest). din (day): dengue, dhan; kore (did):
# khara; periye, por, for: fire, fare; ekti, ekta: khuti, quota; kintu (but): খুঁটি; nin (take, নিন): nona;
# help: levee; dhore (for, "দশ দিন ধরে"): dowry; upor (on, উপর): FIR (এফআইআর); geche (gone, গেছে): gach
# (tree); tin (three): thana; please: police; the rest from the development complaints and generated cases,
# as anyascii writes them too ("dhre", धरे; "krpya", कृपया: kharap; "karrvai", कार्रवाई).
COMMON_WORDS = """din dino kore kora periye por pore for ekti ekta kintu nin help dhore upor geche tin age has please
done many gelo doya drut paka matir johar bhandar sathi dhre kre dya nhin krpya karrvai sir"""


# A way of saying a concept that a query names it by when spelt so, but whose key is too common a word's for a
# case to be read so ("=died": "dd", as "dada"; "=leak": "lk", as "lok", people).
SPELT_ONLY = "="


@lru_cache(maxsize=1)
def _common_spellings():
    """{key: the common words with that key}: a concept's one-word way with such a key is read in a word
    only when the word is spelt nearer to it than to them (খুঁটি, "khunti", is a pole; "kintu" is "but")."""
    found = {}
    for word in COMMON_WORDS.split():
        for key in word_keys(word):
            found.setdefault(key, set()).add(word)
    return found


def _variant_keys(variant):
    return tuple(word_key(word) for word in words(variant) if word_key(word))


@lru_cache(maxsize=1)
def concept_keys():
    """Each concept as the distinct key tuples of its variants, and the variants' own words in Latin letters."""
    found = []
    for variants in CONCEPTS:
        keyed, spelt = [], set()
        for variant in variants:
            if variant.startswith(SPELT_ONLY):
                spelt.add(tuple(words(variant[1:])))
                continue
            key = _variant_keys(variant)
            # a lone letter ("wire": "r") would match anything
            if len("".join(key)) >= 2 and key not in keyed:
                keyed.append(key)
            spelt.add(tuple(words(variant)))
        found.append((keyed, spelt))
    return found


def concept_token(variants):
    """The term a concept is indexed as (index.document): its first way of saying it, in Latin letters
    ("c_drinking_water"); no key has an underscore."""
    return "c_" + "_".join(words(variants[0]))


@lru_cache(maxsize=1)
def _by_first_key():
    """{key: [(variant's keys, concept token)]}: the variants that may start at a word with that key."""
    found = {}
    for variants, (keyed, _) in zip(CONCEPTS, concept_keys(), strict=True):
        for variant in keyed:
            found.setdefault(variant[0], []).append((variant, concept_token(variants)))
    return found


@lru_cache(maxsize=1)
def _one_word_spellings():
    """{(key, concept token): the Latin spellings of the concept's one-word ways with that key}."""
    found = {}
    for variants in CONCEPTS:
        token = concept_token(variants)
        for variant in variants:
            spelt = [word for word in words(variant) if word_key(word)]  # "washed away": "washed"
            if len(spelt) == 1 and not variant.startswith(SPELT_ONLY):
                found.setdefault((word_key(spelt[0]), token), set()).add(spelt[0])
    return found


def concepts_of(text):
    """The concepts a text says (concepts_in of its words)."""
    return concepts_in(keyed_words(text), keyed_spellings(text))


def concepts_in(keyed_words, spellings):
    """The tokens of the concepts a text says, once for each place it says one (so a case that says it
    twice weighs more), in any of their ways: what a case is indexed with, so that a query names a concept
    with one term instead of all its spellings. `keyed_words`: phonetic.keyed_words of the text;
    `spellings`: its words as phonetic.keyed_spellings gives them, to tell apart concepts whose one-word
    ways share a key (see nearest)."""
    found = []
    for start, keyed in enumerate(keyed_words):
        alone, phrases = _word_concepts(keyed, spellings[start])
        here = set(alone) | {token for variant, token in phrases if _matches(keyed_words, start, variant)}
        if here:
            found.extend(sorted(here))
    return found


@lru_cache(maxsize=65536)
def _word_concepts(keyed, spelling):
    """The concepts a word names alone (told apart by spelling), and the phrases that may start at it."""
    alone, phrases = {}, []
    for key in keyed:
        for variant, token in _by_first_key().get(key, ()):
            if len(variant) > 1:
                phrases.append((variant, token))
            else:
                alone.setdefault(token, key)
    if len(alone) > 1 or any(key in _common_spellings() for key in alone.values()):
        alone = nearest(spelling, alone)
    return tuple(alone), tuple(phrases)


def nearest(word, candidates):
    """Of concepts whose one-word ways share a key with the word ({token: key}), those the word is spelt
    nearest to: consonant keys lose the vowels, so "taka" (money) and "tika" (vaccine), "bill" and "bhul"
    (wrong), "bhanga" (broken) and "banya" (flood) share one; their spellings do not."""
    return dict(_nearest(word, frozenset(candidates.items())))


@lru_cache(maxsize=65536)
def _nearest(word, candidates):
    spellings, common = _one_word_spellings(), _common_spellings()
    forms = {word, stem(word)}
    candidates = dict(candidates)
    for key in set(candidates.values()) & set(common):
        candidates[None] = key  # a common word with the key competes too, and wins ties
    distance = {token: min(_distance(form, way) for form in forms
                           for way in (common[key] if token is None else spellings.get((key, token), {""})))
                for token, key in candidates.items()}
    best = min(distance.values())
    if distance.get(None) == best:
        return ()
    return tuple((token, key) for token, key in candidates.items() if distance[token] == best)


@lru_cache(maxsize=65536)
def _distance(one, other):
    """Levenshtein distance of two short words."""
    previous = list(range(len(other) + 1))
    for n, letter in enumerate(one, 1):
        current = [n]
        for m, theirs in enumerate(other, 1):
            current.append(min(previous[m] + 1, current[m - 1] + 1, previous[m - 1] + (letter != theirs)))
        previous = current
    return previous[-1]


def _matches(query_keys, start, variant):
    """Does the variant's key tuple match the query words from `start` (each word by any of its keys)?"""
    if start + len(variant) > len(query_keys):
        return False
    return all(key in query_keys[start + n] for n, key in enumerate(variant))


def groups(text, longest=None):
    """The query as groups, each a word or a phrase that must be found. A phrase that names a concept
    (longest first) is one group: the concept (`Group.concept`, the token cases that say it in any way are
    indexed with), listed as the keys of its ways of saying it. Any other word is its own group: its keys
    (or its stem's), and the word written together with a neighbour ("tube xyz" / "tubexyz", "jol jiban" /
    "জলজীবন"). Stop words are left out; negations are a group of their own (`is_weak`). A concept said
    as another concept and a negation also has those as groups of their own (`Group.parts`: "bijli nahi" is
    power cut, or electricity said any way and a negation). `longest`: the most words a concept may span."""
    query_words = words(text)
    query_keys = [word_keys(word) for word in query_words]
    kept = [n for n, found in enumerate(query_keys) if found]
    query_words = [query_words[n] for n in kept]
    query_keys = [query_keys[n] for n in kept]
    found, start = [], 0
    while start < len(query_keys):
        best = None  # (words matched, spelt exactly so, variants, token): the longest, then the exact spelling
        for number in _candidates(query_words[start], query_keys[start]):
            (keyed, spelt), variants = concept_keys()[number], CONCEPTS[number]
            span = max((len(variant) for variant in keyed
                        if len(variant) <= (longest or len(variant)) and _matches(query_keys, start, variant)
                        and (len(variant) > 1 or _not_common(query_words[start], variant[0], variants))),
                       default=1 if (query_words[start],) in spelt else 0)  # "=dead": spelt so, keyed as none
            if span:  # "paini" (not received) and "pani" (water) share a key: the spelling decides
                rank = (span, tuple(query_words[start:start + span]) in spelt, keyed, concept_token(variants))
                if best is not None and rank[:2] == best[:2] == (1, False):
                    best = _nearer(query_words[start], query_keys[start], best, rank)
                else:
                    best = rank if best is None or rank[:2] > best[:2] else best
        if best is None:
            best = _spelt_or_misspelt(query_words[start], query_keys[start])
        if query_words[start] in STOP_WORDS and (best is None or best[0] == 1):  # "for", not "power"
            start += 1
            continue
        if query_words[start] in NEGATIONS and (best is None or best[0] == 1):
            best = None
        span = best[0] if best else 1
        joined = [(key,) for key in _joined(query_words, start, span)]
        if best and span == 1 and (query_keys[start][0],) not in best[2]:  # named by its stem alone:
            best = (*best[:2], [Typed(query_keys[start][:1])] + best[2], best[3])  # "uporche" may be উপচে
        if best:
            parts = groups(" ".join(query_words[start:start + span]), longest=1) if span > 1 else []
            negated = any(map(is_weak, parts)) and all(part.concept or is_weak(part) for part in parts)
            found.append(Group(best[2], concept=best[3], parts=parts if negated else None, joined=joined))
        elif query_words[start] in NEGATIONS:
            found.append(Group([("n",)]))  # "not", "nei", "nahi": scores where the case says so, never required
        else:
            typed = [Typed((key,)) for key in query_keys[start]]
            found.append(Group(typed + [keys for keys in joined if keys not in typed]))
        start += span
    return found


def _not_common(word, key, variants):
    """Is the word, whose key is a way of saying the concept, that and not the common word with the key?"""
    return key not in _common_spellings() or bool(nearest(word, {concept_token(variants): key}))


def _nearer(word, keys, one, other):
    """Of two one-word concepts the word names by the same key, the one it is spelt nearer to (the first
    when alike), as concepts_in tells them apart in a case."""
    key = next(key for key in keys if any((key,) in concept[2] for concept in (one, other)))
    kept = nearest(word, {one[3]: key, other[3]: key})
    return one if one[3] in kept else other


@lru_cache(maxsize=1)
def _concepts_by_first_key():
    """{key: the numbers of the concepts one of whose ways starts with a word of that key}, and {word: the
    numbers of those spelt so as one word}: where groups looks, in the catalogue's order."""
    by_key, by_word = {}, {}
    for number, (keyed, spelt) in enumerate(concept_keys()):
        for variant in keyed:
            by_key.setdefault(variant[0], set()).add(number)
        for spelling in spelt:
            if len(spelling) == 1:
                by_word.setdefault(spelling[0], set()).add(number)
    return by_key, by_word


def _candidates(word, keys):
    by_key, by_word = _concepts_by_first_key()
    return sorted(set().union(by_word.get(word, ()), *(by_key.get(key, ()) for key in keys)))


def all_concepts(text):
    """Does every word of the query name a concept by its key (not only by spelling or as a typo)?"""
    found = groups(text)
    return bool(found) and all(group.concept and not any(isinstance(keys, Typed) for keys in group)
                               for group in found if not is_weak(group))


def _spelt_or_misspelt(word, word_keys):
    """A one-word concept for a word that matched none by key: spelt exactly as one of its ways whose key is
    left out as a common word's ("fir", as "por"), or one letter away from a way's key of four or more
    ("elecricity", "garbej": the officer's typo), the first letters alike. Searched as the concept or the
    word itself (a word that only looks like the concept's is still found as typed)."""
    for (keyed, spelt), variants in zip(concept_keys(), CONCEPTS, strict=True):
        if (word,) in spelt:
            return 1, True, [Typed((key,)) for key in word_keys] + keyed, concept_token(variants)
    for key in word_keys:
        if len(key) < 4:
            continue
        for (keyed, _), variants in zip(concept_keys(), CONCEPTS, strict=True):
            if any(len(variant) == 1 and len(variant[0]) >= 4 and _one_edit(key, variant[0]) for variant in keyed):
                return 1, False, [Typed((key,)) for key in word_keys] + keyed, concept_token(variants)
    return None


def _one_edit(typed, key):
    """One letter inserted, left out or changed, never the first."""
    if typed == key or typed[0] != key[0] or abs(len(typed) - len(key)) > 1:
        return False
    if len(typed) == len(key):
        return sum(a != b for a, b in zip(typed, key, strict=True)) == 1
    shorter, longer = sorted((typed, key), key=len)
    return any(longer[:n] + longer[n + 1:] == shorter for n in range(1, len(longer)))


def _joined(query_words, start, span):
    """The keys of the group's first word written together with the one before, and of its last with the
    one after ("nol kup" is also tried as "nolkup", "tube xyz" as "tubexyz")."""
    found = []
    for neighbour in (start - 1, start + span - 1):
        if 0 <= neighbour < len(query_words) - 1:
            key = word_key(query_words[neighbour] + query_words[neighbour + 1])
            if key and key not in found:
                found.append(key)
    return found


class Group(list):
    """A group's alternatives, and the token of the concept it names (None: a word that names none)."""

    def __init__(self, alternatives, concept=None, parts=None, joined=()):
        super().__init__(alternatives)
        self.concept, self.parts, self.joined = concept, parts, list(joined)


class Typed(tuple):
    """The keys of a word as the query typed it, matching no concept: perhaps misspelt (searched fuzzily)."""


def is_weak(alternatives):
    """A word reduced to one letter ("nei", "na": "n") says too little to be required."""
    return all(len("".join(keys)) < 2 for keys in alternatives)
