/* ganesha_grace: placeholder until implemented. */
int main(void);
int main(void)
{
    return 3;
}
