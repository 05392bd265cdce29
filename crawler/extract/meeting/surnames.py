"""Surnames, as data: Chinese (single, compound, the most frequent) and their pinyin."""

from __future__ import annotations

# Chinese surnames, complete: every single surname of 百家姓 (the classical list of 444 single
# and 60 compound surnames) and those frequent today that it lacks (赖 and 佘 are in it; 肖, 付,
# 覃, 闫, 亓, 普… are not). Meeting reports name officials of any surname ("副市长赖立新",
# "县委常委、副县长訾长青"); a hand-kept list of common ones missed 赖 (issue 19).
ZH_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴鬱胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍郤璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘"
    "匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相"
    "查后荆红游竺权逯盖益桓公仉督晋楚闫法汝鄢涂钦归海岳帅缑亢况郈商牟佘佴墨哈谯笪年爱阳佟言福"
    # frequent today, or seen on county portals, not in 百家姓 (辜, 禚, 沐, 员, 者: issue 19)
    "肖付覃兰芦麦苟隋丛苑迟邝揭栗冼粟檀畅战豆候达拓呼綦淡仝衣植原来降贠练卿银续官亓普矫禤郇邸"
    "菅蹇眭智展种靖苌闪庹谌郄揣门辜禚沐员者"
)
ZH_COMPOUND_SURNAMES = frozenset(
    [
        "万俟",
        "司马",
        "上官",
        "欧阳",
        "夏侯",
        "诸葛",
        "闻人",
        "东方",
        "赫连",
        "皇甫",
        "尉迟",
        "公羊",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
        "公孙",
        "仲孙",
        "轩辕",
        "令狐",
        "钟离",
        "宇文",
        "长孙",
        "慕容",
        "鲜于",
        "闾丘",
        "司徒",
        "司空",
        "亓官",
        "司寇",
        "子车",
        "颛孙",
        "端木",
        "巫马",
        "公西",
        "漆雕",
        "乐正",
        "壤驷",
        "公良",
        "拓跋",
        "夹谷",
        "宰父",
        "谷梁",
        "段干",
        "百里",
        "东郭",
        "南门",
        "呼延",
        "归海",
        "羊舌",
        "微生",
        "有琴",
        "梁丘",
        "左丘",
        "东门",
        "西门",
        "商牟",
        "伯赏",
        "南宫",
        "第五",
    ]
)
# The surnames most officials carry. A two-character name with a rarer surname (whose
# character is also a common word: 公, 文, 国, 相…) is taken only after a title ("副县长普华").
ZH_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝惠强冀郜阎暴"
    "权逯揭晋相扈茹栗冼粟檀畅厉战豆候达拓呼郁綦荆淡芮鄢钮闻习昝仝逄訾谈厍蔺衣植那帅原索来"
    "降贲贠练乜卿雍寿银续官伏茅谯鞠燕赖亓普"
)
# Pinyin surnames, for names in English mirrors ("Zhao guibo", "han Tong", seeds 000 and 001).
_PINYIN_SURNAMES = """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
    liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye
    cheng su wei lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou meng
    xiong qin qiu yin xue yan duan lei hou long tao li he gu mao hao gong shao wan qian wu dai mo
    kong xiang kang niu ge xing an qi yi qiao pang ni zhuang nie zhang yue zhai yin ou geng guan lan
    jiao zuo liu gan zhu bao ning shang fu shu ruan ke ji mei tong ling bi shan pei huo tu cheng
    miao gu sheng qu weng ran luo lan lu xin jin chai meng hua yu qi pu fang teng qu rao xie mu
    ai you yang shi mu nong si zhuo gu ji miao jian che xiang lian lu mai chu lou dou qi cen jing
    dang gong fei bu leng yan xi wei mi bo zong qu gui quan tong ying zang min gou wu bian bian ji
    shi he qiu luan sui shang diao sha rong wu kou sang lang zhen cong zhong yu ao gong ming she chi
    cha ma yuan chi kuang ouyang sima shangguan zhuge huangfu murong chang hui qiang yan
gao quan lu jie jin hu ru li xian su tan chang li zhan dou hou da tuo hu yu qi jing dan rui
yan niu wen xi zan tong pang zi tan she lin yi zhi na shuai yuan suo lai xiang ben yun lian
nie qing yong shou yin xu guan fu mao qiao ju yan"""
PINYIN_SURNAMES = frozenset(_PINYIN_SURNAMES.split())
