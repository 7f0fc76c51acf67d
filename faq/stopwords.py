"""Function words, stored in folded form (see faq.normalize). They still count in
matching, only less: "как подать заявку" is about "подать заявку". Interrogatives that tell
topics apart (когда/қашан/when, сколько/қанша/how much, кто/кім/who) are not listed."""
STOPWORDS = frozenset("""
и в во на с со к ко по о об от до за из у а но или ли же бы ни я мне меня мои моя мое
ты вы вас вам ваш ваша ваши он она оно они это этот эта эти то тот та что как какои какая
какие каким какую можно нужно надо есть быть будет будут был была было если чтобы для при
про еще уже там тут вообще тоже так очень пожалуиста подскажите скажите скажи вопрос ну вот
мен сен сиз сиздер биз олар ол бул осы сол ма ме ба бе па пе да де та те жане калаи кандаи
бола болады болама ба ғои гои еди едим маган сизге бар ии иа
a an the is are am was were be been do does did can could will would should may might i me
my you your we our they it its to of in on at for from with by about and or but not if
please there this that these those how which any some get have has had need i'm im it's
""".split())
