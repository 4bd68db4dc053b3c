# 5 "other.click"
a :: A;
#line 9
b :: B(
# 3
);
# bogus
